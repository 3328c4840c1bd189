/**
 * Jobs the embedded model cannot run are refused when they are queued, with the field named: a side off
 * its 16 px step (which would crash ONNX Runtime), and a size whose estimated peak memory exceeds what is
 * available (which the OS would kill the app for). No worker is ever started for them.
 */
import { resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_PARAMS, type GenerationParams } from '../../shared/params'
import { RequestError } from '../../shared/validate'
import { preflightJob } from './preflight'
import { GenerationService } from './service'

const MODELS = resolve(__dirname, '../../../models')
const cell = (over: Partial<GenerationParams>): GenerationParams => ({ ...DEFAULT_PARAMS, model: 'emoji-tiny', prompt: 'red apple', width: 64, height: 64, ...over })

function refusal(fn: () => unknown): RequestError {
  try {
    fn()
  } catch (e) {
    if (e instanceof RequestError) return e
    throw e
  }
  throw new Error('expected a RequestError')
}

afterEach(() => {
  delete process.env.SIGMA_STUDIO_MEMORY_LIMIT
})

describe('job preflight against the model folder', () => {
  it('refuses a side off the model’s step with the two nearest valid sides', () => {
    const e = refusal(() => preflightJob(MODELS, [cell({ width: 72 })]))
    expect(e.field).toBe('params.width')
    expect(e.message).toMatch(/72 is not a multiple of 16; use 64 or 80/)
    expect(() => preflightJob(MODELS, [cell({ width: 80, height: 48 })])).not.toThrow()
  })

  it('refuses a job whose estimated memory exceeds the limit, saying the estimate, the limit and a size that fits', () => {
    const e = refusal(() => preflightJob(MODELS, [cell({ width: 1024, height: 1024 })], { available: { bytes: 4e9, source: 'os' } }))
    expect(e.field).toBe('params.size')
    expect(e.message).toMatch(/1024×1024 needs about 26 GB .* but only 4\.0 GB of memory is available; use at most \d+×\d+/)
  })

  it('counts the cells a grid stacks into one UNet call', () => {
    const one = [cell({ width: 512, height: 512, cfg: 7 })]
    const grid = Array.from({ length: 4 }, (_, i) => cell({ width: 512, height: 512, cfg: 7, seed: String(i) }))
    // 512×512 with CFG: about 1.7 GB for one cell; four stacked cells need four times that.
    expect(() => preflightJob(MODELS, one, { available: { bytes: 3e9, source: 'os' } })).not.toThrow()
    expect(refusal(() => preflightJob(MODELS, grid, { available: { bytes: 3e9, source: 'os' } })).message).toMatch(/× 4 images needs about/)
  })

  it('the service refuses before queueing (no worker is started) and lists the available memory', async () => {
    process.env.SIGMA_STUDIO_MEMORY_LIMIT = '2G'
    const service = new GenerationService({
      workerFactory: () => {
        throw new Error('no worker should be started')
      },
      runner: 'onnx',
      modelsDir: MODELS,
      defaultModel: 'emoji-tiny'
    })
    const e = refusal(() => service.generate({ params: cell({ model: '', width: 1024, height: 1024 }), preview: { mode: 'off', every: 1 }, grid: null }))
    expect(e.message).toMatch(/needs about 26 GB .*\(the limit SIGMA_STUDIO_MEMORY_LIMIT sets\)/)
    const list = await service.handlers['studio:models:list']()
    expect(list.availableMemory).toBeLessThanOrEqual(2 * 2 ** 30)
    expect(list.models.find((m) => m.name === 'emoji-tiny')).toMatchObject({ sizeStep: 16, defaults: { cfg: 7, steps: 20 }, memory: { sizeStep: 16 } })
    await service.close()
  })
})
