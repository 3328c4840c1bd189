import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { ModelFolderError } from './errors'
import { readModelFolder } from './folder'
import { loadModel } from './model'
import { cleanScratch, copyFixture, fixture } from './test-fixtures'

afterAll(cleanScratch)

function editJson(path: string, edit: (j: Record<string, unknown>) => void): void {
  const j = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
  edit(j)
  writeFileSync(path, JSON.stringify(j))
}

function folderError(fn: () => unknown): ModelFolderError {
  try {
    fn()
  } catch (e) {
    if (e instanceof ModelFolderError) return e
    throw e
  }
  throw new Error('expected a ModelFolderError')
}

async function folderErrorAsync(p: Promise<unknown>): Promise<ModelFolderError> {
  try {
    await p
  } catch (e) {
    if (e instanceof ModelFolderError) return e
    throw e
  }
  throw new Error('expected a ModelFolderError')
}

describe('model folders: the fixtures as the studio reads them', () => {
  it('sd1-tiny: SD1, epsilon, int32 ids, int64 timestep per row, dynamic axes, family-default VAE scale', async () => {
    const m = await loadModel(fixture('sd1-tiny'))
    expect(m.folder.family).toBe('sd1')
    expect(m.folder.variant).toBe('base')
    expect(m.folder.pipelineClass).toBe('OnnxStableDiffusionPipeline')
    expect(m.folder.prediction).toBe('epsilon')
    expect(m.folder.scalingFactor).toBe(0.18215)
    expect(m.folder.scalingFactorSource).toBe('family default')
    expect(m.textEncoders[0]).toMatchObject({ idsType: 'int32', hiddenOutput: 'last_hidden_state', maxBatch: Infinity, width: 16 })
    expect(m.unet).toMatchObject({ timestepIsInteger: true, timestepShape: 'batch', maxBatch: Infinity, fixedLatent: undefined, contextWidth: 16, output: 'out_sample' })
    expect(m.unet.timestep.type).toBe('int64')
    expect(m.unet.sample.type).toBe('float32')
    expect(m.vaeEncoder).toMatchObject({ output: 'latent_sample', parameters: false })
    expect(m.folder.defaults).toMatchObject({ width: 64, height: 64, steps: 20, cfg: 7 })
    expect(m.sigmas.sigmaMax).toBeCloseTo(14.6146, 3)
  })

  it('sd2-v-tiny: SD2 v-prediction, float32 timestep [1], batch and size fixed by the export', async () => {
    const m = await loadModel(fixture('sd2-v-tiny'))
    expect(m.folder.family).toBe('sd2')
    expect(m.folder.prediction).toBe('v_prediction')
    expect(m.folder.evidence.join(' ')).toMatch(/gelu|"!"/)
    expect(m.folder.scalingFactorSource).toBe('vae config')
    expect(m.unet).toMatchObject({ timestepIsInteger: false, timestepShape: 'one', maxBatch: 1, fixedLatent: { height: 8, width: 8 }, fixedTokens: 77 })
    expect(m.unet.timestep.type).toBe('float32')
    expect(m.textEncoders[0].maxBatch).toBe(1)
    expect(m.tokenizers[0].padId).toBe(0) // pads with "!"
  })

  it('sdxl-tiny: two encoders, penultimate hidden states, text_embeds + time_ids, external UNet weights', async () => {
    const m = await loadModel(fixture('sdxl-tiny'))
    expect(m.folder.family).toBe('sdxl')
    expect(m.folder.scalingFactor).toBe(0.13025)
    expect(m.folder.forceZerosForEmptyPrompt).toBe(true)
    expect(m.textEncoders.map((t) => [t.component, t.hiddenOutput, t.pooledOutput, t.width])).toEqual([
      ['text_encoder', 'hidden_states.1', undefined, 16],
      ['text_encoder_2', 'hidden_states.1', 'text_embeds', 24]
    ])
    expect(m.unet.textEmbeds?.name).toBe('text_embeds')
    expect(m.unet.timeIds?.shape).toEqual(['batch', 6])
    expect(m.unet.contextWidth).toBe(40)
    expect(m.folder.components.unet!.externalData.map((p) => p.split('/').pop())).toEqual(['model.onnx_data'])
    expect(m.vaeEncoder).toMatchObject({ output: 'latent_parameters', parameters: true })
    expect(m.tokenizers[1].padId).toBe(0)
  })

  it('sd1-fp16-tiny: float16 I/O everywhere, int64 input_ids, float16 timestep', async () => {
    const m = await loadModel(fixture('sd1-fp16-tiny'))
    expect(m.folder.family).toBe('sd1')
    expect(m.textEncoders[0].idsType).toBe('int64')
    expect(m.unet.sample.type).toBe('float16')
    expect(m.unet.timestep.type).toBe('float16')
    expect(m.unet.timestepIsInteger).toBe(false)
    expect(m.sessions.vae_decoder.outputs[0].type).toBe('float16')
  })
})

describe('model folders: family variants and layouts', () => {
  it('detects LCM from the scheduler and turbo from the name, with few-step defaults', () => {
    const lcm = copyFixture('sd1-tiny')
    editJson(join(lcm, 'scheduler', 'scheduler_config.json'), (j) => (j._class_name = 'LCMScheduler'))
    expect(readModelFolder(lcm)).toMatchObject({ variant: 'lcm', defaults: { steps: 4, cfg: 1, sampler: 'lcm' } })
    const turbo = copyFixture('sdxl-tiny')
    editJson(join(turbo, 'model_index.json'), (j) => (j._name_or_path = 'stabilityai/sdxl-turbo'))
    expect(readModelFolder(turbo)).toMatchObject({ family: 'sdxl', variant: 'turbo', defaults: { steps: 4, cfg: 1 } })
  })

  it('derives the size step from the VAE factor and the UNet down-samplings, falling back to the family', () => {
    // The embedded model: VAE factor 4, UNet levels 64/96/128 (two down-samplings) -> 16 px; 72 px crashes it.
    const emoji = readModelFolder(fileURLToPath(new URL('../../../models/emoji-tiny', import.meta.url)))
    expect(emoji).toMatchObject({ vaeScale: 4, unetDownsamplings: 2, sizeStep: 16 })
    expect(emoji.unetShape).toEqual({ channels: [64, 96, 128], heads: [4, 4, 4], attentionLevels: [1, 2] })
    // The toy fixtures' UNet has one level (no down-sampling): any multiple of the VAE's 8 px.
    expect(readModelFolder(fixture('sd1-tiny'))).toMatchObject({ vaeScale: 8, unetDownsamplings: 0, sizeStep: 8 })
    // No UNet or VAE layout in the configs: the family's (SD 1.x: 8 px cells, 3 down-samplings -> 64 px).
    const bare = copyFixture('sd1-tiny')
    editJson(join(bare, 'unet', 'config.json'), (j) => delete j.block_out_channels)
    editJson(join(bare, 'vae_decoder', 'config.json'), (j) => delete j.block_out_channels)
    expect(readModelFolder(bare)).toMatchObject({ vaeScale: 8, unetDownsamplings: 3, sizeStep: 64, unetShape: { heads: [8, 8, 8, 8], attentionLevels: [0, 1, 2] } })
  })

  it('a missing folder names the path and what to pass', () => {
    const e = folderError(() => readModelFolder('/nonexistent/model'))
    expect(e.code).toBe('missing-folder')
    expect(e.message).toContain('/nonexistent/model')
  })

  it('a missing component names the file', () => {
    const dir = copyFixture('sdxl-tiny')
    rmSync(join(dir, 'text_encoder_2'), { recursive: true })
    const e = folderError(() => readModelFolder(dir))
    expect(e.code).toBe('missing-component')
    expect(e.path).toBe(join(dir, 'text_encoder_2', 'model.onnx'))
  })

  it('a corrupt ONNX file is reported as such, with its path', async () => {
    const dir = copyFixture('sd1-tiny')
    writeFileSync(join(dir, 'unet', 'model.onnx'), Buffer.from('this is not a protobuf'.repeat(50)))
    const e = await folderErrorAsync(loadModel(dir))
    expect(e.code).toBe('corrupt-onnx')
    expect(e.path).toBe(join(dir, 'unet', 'model.onnx'))
    expect(e.hint).toMatch(/export the model again|download/)
  })

  it('a missing external weight file (model.onnx_data) is a missing component naming it', async () => {
    const dir = copyFixture('sdxl-tiny')
    rmSync(join(dir, 'unet', 'model.onnx_data'))
    const e = await folderErrorAsync(loadModel(dir))
    expect(e.code).toBe('missing-component')
    expect(e.message).toMatch(/model\.onnx_data/)
    expect(e.hint).toMatch(/copy every file of the unet folder/)
  })

  it('unsupported layouts: transformer pipelines, depth UNets, mismatched components', async () => {
    const sd3 = copyFixture('sd1-tiny')
    editJson(join(sd3, 'model_index.json'), (j) => {
      j._class_name = 'StableDiffusion3Pipeline'
      j.transformer = ['diffusers', 'SD3Transformer2DModel']
    })
    expect(folderError(() => readModelFolder(sd3)).code).toBe('unsupported-layout')
    // Inpainting UNets (9 channels) run since issue 16; a depth model (5 channels) does not.
    const depth = copyFixture('sd1-tiny')
    editJson(join(depth, 'unet', 'config.json'), (j) => (j.in_channels = 5))
    expect(folderError(() => readModelFolder(depth)).message).toMatch(/5 input channels \(a depth or upscaler model\)/)
    const mixed = copyFixture('sd1-tiny')
    rmSync(join(mixed, 'text_encoder'), { recursive: true })
    const { cpSync } = await import('node:fs')
    cpSync(join(fixture('sd2-v-tiny'), 'text_encoder'), join(mixed, 'text_encoder'), { recursive: true })
    const e = await folderErrorAsync(loadModel(mixed))
    expect(e.code).toBe('unsupported-layout')
    expect(e.message).toMatch(/different models/)
    const notModel = copyFixture('sd1-tiny')
    rmSync(join(notModel, 'model_index.json'))
    rmSync(join(notModel, 'unet'), { recursive: true })
    expect(folderError(() => readModelFolder(notModel)).code).toBe('unsupported-layout')
  })
})
