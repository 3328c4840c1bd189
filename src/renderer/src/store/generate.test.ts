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
  const job = (jobId: string) => ({ jobId, state: 'waiting' as const, prompt: '', model: 'm', cells: 1, queuedAt: 0 })

  it('says how many jobs run before a waiting job, counting the running one', () => {
    const s = { ...initialGenerateState, jobId: 'c', status: 'waiting' as const, queue: { running: { ...job('a'), state: 'running' as const }, waiting: [job('b'), job('c')] } }
    expect(generateSelectors.ahead(s)).toBe(2)
    expect(generateSelectors.progressLine(s)).toBe('Waiting (2 ahead)')
    expect(generateSelectors.progressLine({ ...s, queue: { running: null, waiting: [job('c')] } })).toBe('Waiting (next)')
    // Not waiting: no count, whatever the queue says.
    expect(generateSelectors.ahead({ ...s, status: 'running' })).toBeNull()
  })

  it('reports step, sigma and time left while running', () => {
    const progress = { jobId: 'a', cell: 0, cells: 1, step: 5, steps: 20, sigma: 3.14159, elapsedMs: 1200, remainingMs: 3400, jobStep: 5, jobSteps: 20 }
    const s = { ...initialGenerateState, jobId: 'a', status: 'running' as const, progress }
    expect(generateSelectors.progressLine(s)).toBe('Step 5/20, sigma 3.142, 1.2 s, about 3.4 s left')
    expect(generateSelectors.progressLine({ ...s, status: 'cancelled' })).toBe('Cancelled at step 5/20, sigma 3.142, 1.2 s')
  })
})
