import { describe, expect, it } from 'vitest'
import { DEFAULT_PARAMS } from '../../../shared/params'
import { advancedDefaults, advancedSummary, type AdvancedValue } from './advanced-summary'

const base: AdvancedValue = { ...DEFAULT_PARAMS }

describe('the "More options" summary', () => {
  it('lists nothing for a plain form', () => {
    expect(advancedSummary(base)).toEqual([])
  })

  it('lists what a loaded preset set without a field, and clears it keeping the rescale', () => {
    const d: AdvancedValue = {
      ...base,
      samplerOptions: { eta: 0.5 },
      scheduleParams: { rho: 5 },
      guidance: { rescale: 0.7, interval: [0.3, 6], thresholdPercentile: 0.99, clipSample: null },
      noise: { temperature: 0.9, noiseInjection: 0 }
    }
    expect(advancedSummary(d)).toEqual(['eta 0.5', 'rho 5', 'CFG σ 0.3–6', 'threshold 0.99', 'temperature 0.9'])
    const cleared = { ...d, ...advancedDefaults(d) }
    expect(advancedSummary(cleared)).toEqual([])
    expect(cleared.guidance.rescale).toBe(0.7)
  })
})
