import { describe, expect, it } from 'vitest'
import { DEFAULT_PARAMS, validateGenerationParams, type GenerationParams } from '../../../shared/params'
import { draftParams, generateSelectors, initialGenerateState, loadParamsIntoDraft, setDraft, useGenerateStore } from './generate'

const sample: GenerationParams = {
  ...DEFAULT_PARAMS,
  model: 'sd1-tiny',
  prompt: 'a lighthouse at dusk',
  negativePrompt: 'blurry',
  sampler: 'dpmpp_2m_sde',
  samplerOptions: { eta: 0.5, solver_type: 'heun' },
  schedule: 'beta',
  scheduleParams: { alpha: 0.6, beta: 0.6 },
  steps: 17,
  cfg: 6.5,
  seed: '18446744073709551615',
  width: 768,
  height: 512,
  batchSize: 3,
  guidance: { rescale: 0.7, interval: [0.5, 8], thresholdPercentile: 0.995, clipSample: null },
  noise: { temperature: 0.9, noiseInjection: 0.1 },
  img2img: null
}

describe('the generate draft as GenerationParams', () => {
  it('describes a complete, valid request from the initial form', () => {
    useGenerateStore.setState({ draft: initialGenerateState.draft })
    const p = draftParams()
    expect(validateGenerationParams(p)).toEqual(p)
  })

  it('round-trips parameters loaded into the form, and fixes the seed so the job reproduces them', () => {
    setDraft({ seedMode: 'random', previewsOn: false })
    loadParamsIntoDraft(sample)
    expect(draftParams()).toEqual(sample)
    expect(useGenerateStore.getState().draft.seedMode).toBe('fixed')
    // A view setting, not an image setting: loading a preset leaves it alone.
    expect(useGenerateStore.getState().draft.previewsOn).toBe(false)
  })

  it('hands out copies, so editing the returned params cannot change the form', () => {
    loadParamsIntoDraft(sample)
    const p = draftParams()
    p.samplerOptions.eta = 9
    p.guidance.interval![0] = 3
    expect(useGenerateStore.getState().draft.samplerOptions.eta).toBe(0.5)
    expect(useGenerateStore.getState().draft.guidance.interval).toEqual([0.5, 8])
  })
})

describe('the status line', () => {
  const job = (jobId: string) => ({ jobId, state: 'waiting' as const, model: 'm', cells: 1, queuedAt: 0 })

  it('says how many jobs run before a waiting job, counting the running one', () => {
    const s = { ...initialGenerateState, jobId: 'c', status: 'waiting' as const, queue: { seq: 3, running: { ...job('a'), state: 'running' as const }, waiting: [job('b'), job('c')] } }
    expect(generateSelectors.ahead(s)).toBe(2)
    expect(generateSelectors.progressLine(s)).toBe('Waiting (2 ahead)')
    expect(generateSelectors.progressLine({ ...s, queue: { seq: 4, running: null, waiting: [job('c')] } })).toBe('Waiting (next)')
    // Not waiting: no count, whatever the queue says.
    expect(generateSelectors.ahead({ ...s, status: 'running' })).toBeNull()
  })

  it('reports step, sigma and time left while running', () => {
    const progress = { jobId: 'a', cell: 0, cells: 1, step: 5, steps: 20, sigma: 3.14159, elapsedMs: 1200, remainingMs: 3400, jobStep: 5, jobSteps: 20 }
    const s = { ...initialGenerateState, jobId: 'a', status: 'running' as const, progress }
    expect(generateSelectors.progressLine(s)).toBe('Step 5/20, sigma 3.142, 1.2 s, about 3.4 s left')
    expect(generateSelectors.progressLine({ ...s, status: 'cancelled' })).toBe('Cancelled at step 5/20, sigma 3.142, 1.2 s')
  })

  it('a finished one-image job states the same time as the caption (the image’s wall time)', () => {
    const progress = { jobId: 'a', cell: 0, cells: 1, step: 20, steps: 20, sigma: 0.0292, elapsedMs: 900, remainingMs: 0, jobStep: 20, jobSteps: 20 }
    const result = { resultId: 'r', url: 'blob:x', seed: '0', width: 64, height: 64, wallMs: 1240, label: '' }
    const s = { ...initialGenerateState, jobId: 'a', status: 'completed' as const, progress, results: [result] }
    expect(generateSelectors.progressLine(s)).toBe('Done: 20/20, sigma 0.029, 1.2 s')
  })

  it('says in words how a job ended before its first step', () => {
    const s = { ...initialGenerateState, jobId: 'a', progress: null }
    expect(generateSelectors.progressLine({ ...s, status: 'cancelled' })).toBe('Cancelled before it started.')
    expect(generateSelectors.progressLine({ ...s, status: 'running' })).toBe('Loading the model…')
  })

  it('names a batch’s images as images, not grid cells', () => {
    const progress = { jobId: 'a', cell: 1, cells: 4, step: 8, steps: 8, sigma: 0.029, elapsedMs: 700, remainingMs: null, jobStep: 16, jobSteps: 32 }
    const s = { ...initialGenerateState, jobId: 'a', status: 'completed' as const, progress }
    expect(generateSelectors.progressLine(s)).toBe('Done: 8/8 (image 2/4), sigma 0.029, 0.7 s')
  })
})

describe('img2img in the draft', () => {
  const init = { bytes: new Uint8Array([1]), name: 'cat.png', format: 'png' as const, width: 64, height: 64, label: 'sha256:aaaa', url: 'blob:cat' }
  const i2i = (image: string, strength: number): GenerationParams => ({ ...sample, img2img: { image, strength, inpaint: null } })

  it('is off without an init image, and sends the image label and strength with one', () => {
    useGenerateStore.setState({ draft: initialGenerateState.draft, init: null })
    expect(useGenerateStore.getState().draft.strength).toBe(0.75)
    expect(draftParams().img2img).toBeNull()
    useGenerateStore.setState({ init })
    setDraft({ strength: 0.4 })
    expect(draftParams().img2img).toEqual({ image: 'sha256:aaaa', strength: 0.4, inpaint: null })
    expect(validateGenerationParams(draftParams()).img2img).toEqual({ image: 'sha256:aaaa', strength: 0.4, inpaint: null })
  })

  it('loading params of the same image keeps it, quietly, and takes their strength', () => {
    useGenerateStore.setState({ init, initNote: 'old note' })
    loadParamsIntoDraft(i2i('sha256:aaaa', 0.3))
    expect(useGenerateStore.getState()).toMatchObject({ init, initNote: null })
    expect(draftParams().img2img).toEqual({ image: 'sha256:aaaa', strength: 0.3, inpaint: null })
  })

  it('loading params of another image keeps the current one, with a note', () => {
    useGenerateStore.setState({ init })
    loadParamsIntoDraft(i2i('sha256:bbbb', 0.6))
    expect(useGenerateStore.getState().init).toBe(init)
    expect(useGenerateStore.getState().initNote).toMatch(/another init image \(sha256:bbbb\); the current one is kept/)
    expect(draftParams().img2img).toEqual({ image: 'sha256:aaaa', strength: 0.6, inpaint: null })
  })

  it('loading img2img params with no init image chosen leaves img2img off, says so, keeps the strength', () => {
    useGenerateStore.setState({ init: null })
    loadParamsIntoDraft(i2i('sha256:bbbb', 0.35))
    expect(draftParams().img2img).toBeNull()
    expect(useGenerateStore.getState().initNote).toMatch(/not loaded, so img2img is off\. Choose that image/)
    expect(useGenerateStore.getState().draft.strength).toBe(0.35)
    // A CLI-made image names a path: it is shown, never opened, and img2img stays off just the same.
    loadParamsIntoDraft(i2i('/home/me/in.png', 0.5))
    expect(draftParams().img2img).toBeNull()
  })

  it('loading text-to-image params keeps a chosen init image and the strength, noting how to reproduce them', () => {
    useGenerateStore.setState({ init })
    setDraft({ strength: 0.55 })
    loadParamsIntoDraft(sample)
    expect(useGenerateStore.getState().init).toBe(init)
    expect(useGenerateStore.getState().initNote).toMatch(/text-to-image; the init image is still set\. Clear it/)
    expect(draftParams().img2img).toEqual({ image: 'sha256:aaaa', strength: 0.55, inpaint: null })
    useGenerateStore.setState({ init: null })
    loadParamsIntoDraft(sample)
    expect(useGenerateStore.getState().initNote).toBeNull()
  })
})
