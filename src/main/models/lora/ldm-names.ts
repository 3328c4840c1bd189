/**
 * UNet module names in the two namings LoRA files and models use: diffusers (`down_blocks.1.attentions.0…`)
 * and the original LDM/SGM one (`input_blocks.4.1…`), which kohya's SDXL LoRAs, ComfyUI's
 * `diffusion_model.` keys and checkpoints imported with their own key names use. The correspondence is
 * ComfyUI's `unet_to_diffusers` for two resnets per level (every SD 1.x, 2.x and SDXL UNet):
 *
 *   input_blocks.0.0                      conv_in
 *   input_blocks.{1+3i+j}.0 / .1          down_blocks.i.resnets.j / attentions.j
 *   input_blocks.{3(i+1)}.0.op            down_blocks.i.downsamplers.0.conv
 *   middle_block.0 / .1 / .2              mid_block.resnets.0 / attentions.0 / resnets.1
 *   output_blocks.{3i+j}.0 / .1           up_blocks.i.resnets.j / attentions.j
 *   output_blocks.{3i+2}.(1|2).conv       up_blocks.i.upsamplers.0.conv
 *   time_embed.0 / .2, label_emb.0.0 / .2 time_embedding.linear_1 / _2, add_embedding.linear_1 / _2
 *   out.0 / out.2                         conv_norm_out / conv_out
 *   resnets: in_layers.0/.2 norm1/conv1, emb_layers.1 time_emb_proj, out_layers.0/.3 norm2/conv2,
 *            skip_connection conv_shortcut
 */

const PER_LEVEL = 3 // two resnets (+ attentions) and a down/upsampler per level

const RESNET_TO_DIFFUSERS: readonly [string, string][] = [
  ['in_layers.0', 'norm1'],
  ['in_layers.2', 'conv1'],
  ['emb_layers.1', 'time_emb_proj'],
  ['out_layers.0', 'norm2'],
  ['out_layers.3', 'conv2'],
  ['skip_connection', 'conv_shortcut']
]

const TOP_TO_DIFFUSERS: readonly [string, string][] = [
  ['time_embed.0', 'time_embedding.linear_1'],
  ['time_embed.2', 'time_embedding.linear_2'],
  ['label_emb.0.0', 'add_embedding.linear_1'],
  ['label_emb.0.2', 'add_embedding.linear_2'],
  ['input_blocks.0.0', 'conv_in'],
  ['out.0', 'conv_norm_out'],
  ['out.2', 'conv_out']
]

function swapPrefix(path: string, pairs: readonly [string, string][], from: 0 | 1): string | undefined {
  for (const pair of pairs) {
    const a = pair[from]
    const b = pair[1 - from]
    if (path === a) return b
    if (path.startsWith(a + '.')) return b + path.slice(a.length)
  }
  return undefined
}

function resnetTail(tail: string, from: 0 | 1): string {
  return swapPrefix(tail, RESNET_TO_DIFFUSERS, from) ?? tail
}

/** LDM name → diffusers name, or undefined when the path is not an LDM UNet path. */
export function ldmToDiffusers(path: string): string | undefined {
  const top = swapPrefix(path, TOP_TO_DIFFUSERS, 0)
  if (top) return top
  let m = /^input_blocks\.(\d+)\.(\d+)(?:\.(.*))?$/.exec(path)
  if (m) {
    const n = Number(m[1])
    const k = Number(m[2])
    const tail = m[3] ?? ''
    if (n === 0) return undefined
    const i = Math.floor((n - 1) / PER_LEVEL)
    const j = (n - 1) % PER_LEVEL
    if (j === 2) return k === 0 && tail.startsWith('op') ? `down_blocks.${i}.downsamplers.0.conv${tail.slice(2)}` : undefined
    if (k === 0) return `down_blocks.${i}.resnets.${j}${tail ? '.' + resnetTail(tail, 0) : ''}`
    if (k === 1) return `down_blocks.${i}.attentions.${j}${tail ? '.' + tail : ''}`
    return undefined
  }
  m = /^middle_block\.(\d+)(?:\.(.*))?$/.exec(path)
  if (m) {
    const k = Number(m[1])
    const tail = m[2] ?? ''
    if (k === 1) return `mid_block.attentions.0${tail ? '.' + tail : ''}`
    if (k === 0 || k === 2) return `mid_block.resnets.${k / 2}${tail ? '.' + resnetTail(tail, 0) : ''}`
    return undefined
  }
  m = /^output_blocks\.(\d+)\.(\d+)(?:\.(.*))?$/.exec(path)
  if (m) {
    const n = Number(m[1])
    const k = Number(m[2])
    const tail = m[3] ?? ''
    const i = Math.floor(n / PER_LEVEL)
    const j = n % PER_LEVEL
    if (k > 0 && (tail === 'conv' || tail.startsWith('conv.'))) return `up_blocks.${i}.upsamplers.0.${tail}`
    if (k === 0) return `up_blocks.${i}.resnets.${j}${tail ? '.' + resnetTail(tail, 0) : ''}`
    if (k === 1) return `up_blocks.${i}.attentions.${j}${tail ? '.' + tail : ''}`
  }
  return undefined
}

/** diffusers name → LDM name(s); upsamplers have two candidates (after an attention or not). */
export function diffusersToLdm(path: string): string[] {
  const top = swapPrefix(path, TOP_TO_DIFFUSERS, 1)
  if (top) return [top]
  let m = /^down_blocks\.(\d+)\.(resnets|attentions|downsamplers)\.(\d+)(?:\.(.*))?$/.exec(path)
  if (m) {
    const i = Number(m[1])
    const j = Number(m[3])
    const tail = m[4] ?? ''
    if (m[2] === 'downsamplers') return tail.startsWith('conv') ? [`input_blocks.${PER_LEVEL * (i + 1)}.0.op${tail.slice(4)}`] : []
    const n = 1 + PER_LEVEL * i + j
    return m[2] === 'resnets' ? [`input_blocks.${n}.0${tail ? '.' + resnetTail(tail, 1) : ''}`] : [`input_blocks.${n}.1${tail ? '.' + tail : ''}`]
  }
  m = /^mid_block\.(resnets|attentions)\.(\d+)(?:\.(.*))?$/.exec(path)
  if (m) {
    const tail = m[3] ?? ''
    return m[1] === 'attentions' ? [`middle_block.1${tail ? '.' + tail : ''}`] : [`middle_block.${Number(m[2]) * 2}${tail ? '.' + resnetTail(tail, 1) : ''}`]
  }
  m = /^up_blocks\.(\d+)\.(resnets|attentions|upsamplers)\.(\d+)(?:\.(.*))?$/.exec(path)
  if (m) {
    const i = Number(m[1])
    const j = Number(m[3])
    const tail = m[4] ?? ''
    if (m[2] === 'upsamplers') {
      const n = PER_LEVEL * i + 2
      return [`output_blocks.${n}.1.${tail}`, `output_blocks.${n}.2.${tail}`]
    }
    const n = PER_LEVEL * i + j
    return m[2] === 'resnets' ? [`output_blocks.${n}.0${tail ? '.' + resnetTail(tail, 1) : ''}`] : [`output_blocks.${n}.1${tail ? '.' + tail : ''}`]
  }
  return []
}

/** Both directions, for target aliases. */
export function ldmAliases(path: string): readonly string[] {
  const d = ldmToDiffusers(path)
  return d ? [d] : diffusersToLdm(path)
}
