import { describe, expect, it } from 'vitest'
import type { ModelEntry } from '../../../../shared/api'
import { initialGenerateState, useGenerateStore, type ResultThumb } from '../../store/generate'
import { chooseModel, chooseSampler, seedsForJob, withResult } from './actions'

describe('seedsForJob', () => {
  it('fixed keeps the seed; increment moves past the whole batch; random draws and shows a new one', () => {
    expect(seedsForJob({ seed: '7', seedMode: 'fixed', batchSize: 3 })).toEqual({ seed: '7', nextField: '7' })
    expect(seedsForJob({ seed: '7', seedMode: 'increment', batchSize: 1 })).toEqual({ seed: '7', nextField: '8' })
    expect(seedsForJob({ seed: '7', seedMode: 'increment', batchSize: 3 })).toEqual({ seed: '7', nextField: '10' })
    expect(seedsForJob({ seed: '7', seedMode: 'random', batchSize: 1 }, () => '123')).toEqual({ seed: '123', nextField: '123' })
  })
})

const entry = (name: string, side: number, isDefault = false, few = false): ModelEntry => ({
  name,
  path: `/models/${name}`,
  pipeline: null,
  hasTinyDecoder: false,
  family: side === 1024 ? 'sdxl' : 'sd1',
  variant: few ? 'turbo' : 'base',
  sizeStep: 8,
  nativeSize: { width: side, height: side },
  defaults: few ? { steps: 4, cfg: 1, sampler: 'euler_ancestral', schedule: 'sgm_uniform', width: side, height: side } : { steps: 20, cfg: 7, sampler: 'euler', schedule: 'karras', width: side, height: side },
  memory: null,
  isDefault,
  problem: null
})

describe('form choices', () => {
  const models = [entry('tiny', 64, true), entry('xl', 1024)]

  it('a model change moves an untouched size to the new native size, and keeps a chosen one', () => {
    useGenerateStore.setState({ draft: { ...initialGenerateState.draft, model: '', width: 64, height: 64 } })
    chooseModel('xl', models)
    expect(useGenerateStore.getState().draft).toMatchObject({ model: 'xl', width: 1024, height: 1024 })
    useGenerateStore.setState({ draft: { ...useGenerateStore.getState().draft, width: 832, height: 1216 } })
    chooseModel('tiny', models)
    expect(useGenerateStore.getState().draft).toMatchObject({ model: 'tiny', width: 832, height: 1216 })
  })

  it('the form starts from the contract’s defaults (as the CLI) and follows the model’s own defaults until the user changes them', () => {
    expect(initialGenerateState.draft).toMatchObject({ cfg: 7, seed: '0', steps: 20 })
    useGenerateStore.setState({ draft: { ...initialGenerateState.draft, model: 'tiny' } })
    chooseModel('turbo', [...models, entry('turbo', 512, false, true)])
    expect(useGenerateStore.getState().draft).toMatchObject({ model: 'turbo', steps: 4, cfg: 1, sampler: 'euler_ancestral', schedule: 'sgm_uniform', width: 512, height: 512 })
    useGenerateStore.setState({ draft: { ...useGenerateStore.getState().draft, steps: 6 } })
    chooseModel('tiny', [...models, entry('turbo', 512, false, true)])
    expect(useGenerateStore.getState().draft).toMatchObject({ model: 'tiny', steps: 6, cfg: 7, sampler: 'euler', schedule: 'karras', width: 64, height: 64 })
  })

  it('a sampler change drops the previous sampler’s options', () => {
    useGenerateStore.setState({ draft: { ...initialGenerateState.draft, sampler: 'euler_ancestral', samplerOptions: { eta: 0.5 } } })
    chooseSampler('euler_ancestral')
    expect(useGenerateStore.getState().draft.samplerOptions).toEqual({ eta: 0.5 })
    chooseSampler('dpmpp_2m')
    expect(useGenerateStore.getState().draft).toMatchObject({ sampler: 'dpmpp_2m', samplerOptions: {} })
  })
})

describe('withResult', () => {
  const thumb = (n: number): ResultThumb => ({ resultId: `r${n}`, url: `blob:${n}`, seed: String(n), width: 64, height: 64, wallMs: 1, label: `image ${n}` })

  it('lists and shows the new image, and frees the previous job’s image kept on screen', () => {
    const first = withResult({ results: [], resultUrl: 'blob:old' }, thumb(1))
    expect(first).toEqual({ results: [thumb(1)], resultUrl: 'blob:1', release: ['blob:old'] })
    const second = withResult({ results: first.results, resultUrl: first.resultUrl }, thumb(2))
    expect(second).toEqual({ results: [thumb(1), thumb(2)], resultUrl: 'blob:2', release: [] })
  })

  it('keeps a shown image that is still listed (the user clicked an earlier one of the batch)', () => {
    const r = withResult({ results: [thumb(1), thumb(2)], resultUrl: 'blob:1' }, thumb(3))
    expect(r.release).toEqual([])
    expect(r.resultUrl).toBe('blob:3')
  })
})
