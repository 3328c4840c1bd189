/**
 * Checkpoint import refusals and bookkeeping on the tiny fixtures: every bad input is an error naming the
 * file and the problem, and the models folder never holds a half-written model.
 */
import { createHash } from 'node:crypto'
import { copyFileSync, cpSync, existsSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { listModelFolders } from '../../service/models-dir'
import { loadModel } from '../model'
import { readSafetensorsHeader, readTensorBytes } from '../safetensors/safetensors'
import { encodeSafetensors, type TensorToWrite } from '../safetensors/write'
import { cleanScratch, scratchDir } from '../test-fixtures'
import { CHECKPOINT_RECORD, importCheckpoint } from './import'
import { loadTemplate } from './templates'
import { CKPT_FIXTURES, TINY_TEMPLATES } from './test-fixtures'

afterAll(cleanScratch)

const SD1 = join(CKPT_FIXTURES, 'sd1-tiny.safetensors')
const run = (file: string, modelsDir = scratchDir(), extra: Partial<Parameters<typeof importCheckpoint>[0]> = {}) =>
  importCheckpoint({ file, modelsDir, templatesDir: TINY_TEMPLATES, ...extra })

/** A checkpoint holding every key of the tiny sd1 template as zeros, with `edit` applied to the list. */
function zeroCheckpoint(edit: (t: Record<string, TensorToWrite>) => void = () => {}, metadata?: Record<string, string>): string {
  const tensors: Record<string, TensorToWrite> = {}
  for (const [k, v] of Object.entries(loadTemplate('sd1', TINY_TEMPLATES).keys)) {
    const dtype = v.dtype === 'float' ? 'F16' : v.dtype
    const n = v.shape.reduce((a, b) => a * b, 1)
    tensors[k] = { dtype, shape: v.shape, data: new Uint8Array(n * (dtype === 'I64' ? 8 : dtype === 'I32' ? 4 : 2)) }
  }
  edit(tensors)
  const path = join(scratchDir(), 'model.safetensors')
  writeFileSync(path, encodeSafetensors(tensors, metadata))
  return path
}

function tiny(keys: string[]): string {
  const t: Record<string, TensorToWrite> = {}
  for (const k of keys) t[k] = { dtype: 'F16', shape: [1], data: new Uint8Array(2) }
  const path = join(scratchDir(), 'other.safetensors')
  writeFileSync(path, encodeSafetensors(t))
  return path
}

/** The import fails with a message matching `re`, and leaves the models folder empty (no temp folder either). */
async function refused(file: string, re: RegExp, extra: Partial<Parameters<typeof importCheckpoint>[0]> = {}): Promise<void> {
  const models = scratchDir()
  await expect(run(file, models, extra)).rejects.toThrow(re)
  expect(readdirSync(models)).toEqual([])
}

describe('checkpoint import', () => {
  it('writes a diffusers ONNX folder with the source record, the hard link and the LDM names on the initializers', async () => {
    const models = scratchDir()
    const before = statSync(SD1)
    const r = await run(SD1, models, { name: 'My Model' })
    expect(r.dir).toBe(join(models, 'My Model'))
    expect(readdirSync(models)).toEqual(['My Model'])
    const rec = JSON.parse(readFileSync(join(r.dir, CHECKPOINT_RECORD), 'utf8'))
    expect(rec).toMatchObject({ family: 'sd1', prediction: 'epsilon', weights: 'link', source: { file: 'sd1-tiny.safetensors', size: statSync(SD1).size } })
    expect(rec.source.sha256).toMatch(/^[0-9a-f]{64}$/)
    for (const c of ['text_encoder', 'unet', 'vae_decoder', 'vae_encoder']) expect(statSync(join(r.dir, c, 'weights.safetensors')).ino).toBe(statSync(SD1).ino)
    const unet = readFileSync(join(r.dir, 'unet', 'model.onnx')).toString('latin1')
    expect(unet).toContain('model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight')
    expect(rec.missingOptionalKeys).toEqual([])
    // The user's file is untouched (same place, size and modification time) and the folder loads.
    expect(statSync(SD1)).toMatchObject({ ino: before.ino, size: before.size, mtimeMs: before.mtimeMs })
    expect(rec.source.sha256).toBe(createHash('sha256').update(readFileSync(SD1)).digest('hex'))
    await loadModel(r.dir)
    // The model picker lists it; a hidden import-in-progress folder is never listed.
    cpSync(r.dir, join(models, '.other.importing-1-2'), { recursive: true })
    expect(listModelFolders(models).map((m) => [m.name, m.family, m.problem])).toEqual([['My Model', 'sd1', null]])
  })

  it('accepts a pruned file without the schedule buffers and EMA counters, and names what was missing', async () => {
    const f = zeroCheckpoint((t) => {
      delete t.betas
      delete t['model_ema.num_updates']
    })
    const r = await run(f)
    expect(r.missingOptional).toEqual(['betas', 'model_ema.num_updates'])
  })

  it('refuses a missing or misshapen weight with the key and both shapes', async () => {
    await refused(
      zeroCheckpoint((t) => delete t['model.diffusion_model.out.2.weight']),
      /has no tensor "model\.diffusion_model\.out\.2\.weight" \(\[4, 16, 3, 3\]\)/
    )
    await refused(
      zeroCheckpoint((t) => (t['model.diffusion_model.input_blocks.0.0.weight'] = { dtype: 'F16', shape: [16, 9, 3, 3], data: new Uint8Array(16 * 9 * 9 * 2) })),
      /tensor "model\.diffusion_model\.input_blocks\.0\.0\.weight" has shape \[16, 9, 3, 3\] but the sd1 template has \[16, 4, 3, 3\]/
    )
    await refused(
      zeroCheckpoint((t) => (t['model.diffusion_model.out.2.bias'] = { dtype: 'I32', shape: [4], data: new Uint8Array(16) })),
      /"model\.diffusion_model\.out\.2\.bias" is I32; weights must be F16, BF16, F32 or F64/
    )
  })

  it('refuses pickles, other formats and other architectures, naming what the file is', async () => {
    const dir = scratchDir()
    const ckpt = join(dir, 'model.ckpt')
    writeFileSync(ckpt, 'PK\u0003\u0004 not really')
    await refused(ckpt, /model\.ckpt: is a PyTorch pickle checkpoint; the studio never unpickles files/)
    const disguised = join(dir, 'pickle.safetensors')
    writeFileSync(disguised, Buffer.from([0x80, 0x02, 0x7d, 0x71]))
    await refused(disguised, /pickle\.safetensors: is a PyTorch pickle checkpoint/)
    const text = join(dir, 'readme.safetensors')
    writeFileSync(text, 'this is not a checkpoint at all, just some text')
    await refused(text, /readme\.safetensors: claims a \d+ byte header, over the 104857600 byte limit/)
    await refused(tiny(['lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight']), /is a LoRA file/)
    await refused(tiny(['model.diffusion_model.joint_blocks.0.x_block.attn.qkv.weight']), /Stable Diffusion 3 checkpoint/)
    await refused(tiny(['double_blocks.0.img_attn.qkv.weight']), /Flux checkpoint/)
    await refused(tiny(['decoder.conv_in.weight', 'encoder.conv_in.weight']), /is a VAE file, not a full checkpoint.*--vae/)
    await refused(tiny(['model.diffusion_model.input_blocks.0.0.weight']), /UNet keys .* but no text encoder/)
  })

  it('refuses truncated files, lying headers and headers over 100 MB', async () => {
    const dir = scratchDir()
    const cut = join(dir, 'cut.safetensors')
    copyFileSync(SD1, cut)
    truncateSync(cut, statSync(SD1).size - 1000)
    await refused(cut, /cut\.safetensors: tensor ".*" ends at byte \d+, past the end of the \d+ byte file \(truncated download\?\)/)
    const lying = join(dir, 'lying.safetensors')
    const bytes = readFileSync(SD1)
    const n = Number(bytes.readBigUInt64LE(0))
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'))
    header.betas.data_offsets = [0, 8]
    const hj = Buffer.from(JSON.stringify(header).padEnd(n, ' '))
    writeFileSync(lying, Buffer.concat([bytes.subarray(0, 8), hj.subarray(0, n), bytes.subarray(8 + n)]))
    await refused(lying, /lying\.safetensors: tensor "betas" \(F32 \[1000\]\) needs 4000 bytes but its offsets \[0, 8\] give 8/)
    const huge = join(dir, 'huge.safetensors')
    const b = Buffer.alloc(64)
    b.writeBigUInt64LE(200n * 1024n * 1024n, 0)
    writeFileSync(huge, b)
    await refused(huge, /huge\.safetensors: claims a 209715200 byte header, over the 104857600 byte limit/)
  })

  it('refuses a name that exists, without touching the existing model', async () => {
    const models = scratchDir()
    await run(SD1, models, { name: 'm' })
    await expect(run(SD1, models, { name: 'm' })).rejects.toThrow(/m: already exists/)
    await expect(run(SD1, models, { name: '../escape' })).rejects.toThrow(/is not a usable model name/)
    expect(readdirSync(models)).toEqual(['m'])
  })

  it('v-prediction from metadata, or from --family', async () => {
    const sd2 = join(CKPT_FIXTURES, 'sd2-v-tiny.safetensors')
    expect((await run(sd2)).detected).toMatchObject({ family: 'sd2-v', prediction: 'v_prediction' })
    expect((await run(sd2, scratchDir(), { family: 'sd2' })).detected).toMatchObject({ family: 'sd2', prediction: 'epsilon' })
    await refused(sd2, /was given --family sdxl but its keys are those of sd2/, { family: 'sdxl' })
  })

  it('--vae replaces the VAE with a separate file (LDM names without the first_stage_model. prefix)', async () => {
    const other = readSafetensorsHeader(join(CKPT_FIXTURES, 'sd1-tiny-fp16.safetensors'))
    const vae: Record<string, TensorToWrite> = {}
    for (const [k, t] of other.tensors) if (k.startsWith('first_stage_model.')) vae[k.slice('first_stage_model.'.length)] = { dtype: t.dtype, shape: t.shape, data: readTensorBytes(other, k) }
    const vaeFile = join(scratchDir(), 'vae.safetensors')
    writeFileSync(vaeFile, encodeSafetensors(vae))
    const withVae = await run(SD1, scratchDir(), { vae: vaeFile })
    expect(existsSync(join(withVae.dir, 'vae_decoder', 'vae.safetensors'))).toBe(true)
    expect(existsSync(join(withVae.dir, 'vae_decoder', 'weights.safetensors'))).toBe(false)
    const reference = await run(join(CKPT_FIXTURES, 'sd1-tiny-fp16.safetensors'))
    const latent = { data: Float32Array.from({ length: 256 }, (_, i) => Math.sin(i)), dims: [1, 4, 8, 8] }
    const a = await (await loadModel(withVae.dir)).sessions.vae_decoder.run({ latent_sample: latent })
    const b = await (await loadModel(reference.dir)).sessions.vae_decoder.run({ latent_sample: latent })
    expect(Array.from(a.sample.data)).toEqual(Array.from(b.sample.data))
    const plain = await (await loadModel((await run(SD1)).dir)).sessions.vae_decoder.run({ latent_sample: latent })
    expect(Array.from(plain.sample.data)).not.toEqual(Array.from(b.sample.data))
  })
})
