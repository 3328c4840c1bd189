import { describe, expect, it } from 'vitest'
import { diffusersToLdm, ldmToDiffusers } from './ldm-names'

// Pairs from diffusers' convert_original_stable_diffusion_to_diffusers / ComfyUI unet_to_diffusers for
// SD 1.x (4 levels, attention on the first three) and SDXL (3 levels).
const PAIRS: [string, string][] = [
  ['input_blocks.0.0', 'conv_in'],
  ['time_embed.0', 'time_embedding.linear_1'],
  ['label_emb.0.2', 'add_embedding.linear_2'],
  ['input_blocks.1.1.transformer_blocks.0.attn1.to_q', 'down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q'],
  ['input_blocks.2.0.in_layers.2', 'down_blocks.0.resnets.1.conv1'],
  ['input_blocks.3.0.op', 'down_blocks.0.downsamplers.0.conv'],
  ['input_blocks.4.0.skip_connection', 'down_blocks.1.resnets.0.conv_shortcut'],
  ['input_blocks.8.1.proj_in', 'down_blocks.2.attentions.1.proj_in'],
  ['input_blocks.11.0.emb_layers.1', 'down_blocks.3.resnets.1.time_emb_proj'],
  ['middle_block.1.transformer_blocks.0.ff.net.2', 'mid_block.attentions.0.transformer_blocks.0.ff.net.2'],
  ['middle_block.2.out_layers.3', 'mid_block.resnets.1.conv2'],
  ['output_blocks.0.0.out_layers.3', 'up_blocks.0.resnets.0.conv2'],
  ['output_blocks.5.1.transformer_blocks.1.attn2.to_k', 'up_blocks.1.attentions.2.transformer_blocks.1.attn2.to_k'],
  ['out.2', 'conv_out']
]

describe('LDM ↔ diffusers UNet names', () => {
  it('maps each way', () => {
    for (const [ldm, diff] of PAIRS) {
      expect(ldmToDiffusers(ldm)).toBe(diff)
      expect(diffusersToLdm(diff)).toContain(ldm)
    }
  })
  it('upsamplers: after a resnet (SD1 level 0) or after an attention', () => {
    expect(ldmToDiffusers('output_blocks.2.1.conv')).toBe('up_blocks.0.upsamplers.0.conv')
    expect(ldmToDiffusers('output_blocks.5.2.conv')).toBe('up_blocks.1.upsamplers.0.conv')
    expect(diffusersToLdm('up_blocks.1.upsamplers.0.conv')).toEqual(['output_blocks.5.1.conv', 'output_blocks.5.2.conv'])
  })
  it('leaves other names alone', () => {
    expect(ldmToDiffusers('text_model.encoder.layers.0.self_attn.q_proj')).toBeUndefined()
    expect(diffusersToLdm('text_model.encoder.layers.0.self_attn.q_proj')).toEqual([])
  })
})
