import { describe, expect, it } from 'vitest'
import { modelSigmas, SD_MODEL_CONFIG } from './model-sigmas'
import { denoisedFromOutput, discreteDenoiser, modelInput, parsePredictionType } from './prediction'
import { EngineInputError } from './types'

// A clean sample and a noise draw; x = x0 + sigma*n is what the sampler holds.
const x0 = Float64Array.from([0.5, -1.25, 2])
const n = Float64Array.from([0.3, 1.1, -0.7])
const noisy = (sigma: number): Float64Array => x0.map((v, i) => v + sigma * n[i])

/** What a perfect network of each type would output for this x0 and noise (VP variables). */
function perfectOutput(type: 'epsilon' | 'v_prediction' | 'sample', sigma: number): Float64Array {
  if (type === 'epsilon') return n.slice()
  if (type === 'sample') return x0.slice()
  // VP: alpha = 1/sqrt(1+sigma^2), s = sigma*alpha; v = alpha*n - s*x0 (Salimans & Ho 2022).
  const alpha = 1 / Math.sqrt(1 + sigma * sigma)
  const s = sigma * alpha
  return x0.map((v, i) => alpha * n[i] - s * v)
}

describe('denoisedFromOutput', () => {
  for (const type of ['epsilon', 'v_prediction', 'sample'] as const) {
    it(`recovers x0 exactly from a perfect ${type} prediction`, () => {
      for (const sigma of [0.03, 1, 14.6]) {
        const d = denoisedFromOutput(type, noisy(sigma), perfectOutput(type, sigma), sigma)
        for (let i = 0; i < 3; i++) expect(d[i]).toBeCloseTo(x0[i], 12)
      }
    })
  }

  it('at sigma 0 every type but sample returns x itself for a v/eps output of 0', () => {
    const x = Float64Array.from([1, 2, 3])
    expect(Array.from(denoisedFromOutput('epsilon', x, [9, 9, 9], 0))).toEqual([1, 2, 3])
    expect(Array.from(denoisedFromOutput('v_prediction', x, [9, 9, 9], 0))).toEqual([1, 2, 3])
  })

  it('writes into out when given', () => {
    const out = new Float64Array(3)
    const r = denoisedFromOutput('sample', x0, n, 1, out)
    expect(r).toBe(out)
    expect(Array.from(out)).toEqual(Array.from(n))
  })

  it('rejects unknown types, bad sigmas and mismatched lengths', () => {
    expect(() => denoisedFromOutput('x0' as never, x0, n, 1)).toThrow(/prediction_type must be one of epsilon, v_prediction, sample/)
    expect(() => denoisedFromOutput('epsilon', x0, n, -1)).toThrow(/sigma/)
    expect(() => denoisedFromOutput('epsilon', x0, [1], 1)).toThrow(/model output has 1 values/)
    expect(() => parsePredictionType(3)).toThrow(EngineInputError)
    expect(parsePredictionType('v_prediction')).toBe('v_prediction')
  })
})

describe('modelInput', () => {
  it('scales by c_in = 1/sqrt(sigma^2 + 1)', () => {
    expect(Array.from(modelInput(Float64Array.from([2, -4]), Math.sqrt(3)))).toEqual([1, -2].map((v) => expect.closeTo(v, 14)))
  })
})

describe('discreteDenoiser', () => {
  const model = modelSigmas(SD_MODEL_CONFIG)

  it('feeds the network c_in*x and the interpolated timestep, and converts its output', async () => {
    const sigma = model.tToSigma(500.25)
    const seen: { input: Float64Array; t: number }[] = []
    const D = discreteDenoiser(model, 'epsilon', async (input, t) => {
      seen.push({ input, t })
      return n
    })
    const d = await D(noisy(sigma), sigma)
    expect(seen[0].t).toBeCloseTo(500.25, 8)
    expect(seen[0].input[0]).toBeCloseTo(noisy(sigma)[0] / Math.sqrt(sigma * sigma + 1), 14)
    for (let i = 0; i < 3; i++) expect(d[i]).toBeCloseTo(x0[i], 12)
  })

  it('passes the nearest integer timestep when asked to quantize', async () => {
    let seenT = -1
    const D = discreteDenoiser(model, 'sample', async (input, t) => {
      seenT = t
      return input
    }, { quantizeTimesteps: true })
    await D(x0, model.tToSigma(700.4))
    expect(seenT).toBe(700)
  })

  it('refuses sigma 0 (the schedule end is never a model call)', async () => {
    const D = discreteDenoiser(model, 'epsilon', async () => n)
    await expect(D(x0, 0)).rejects.toThrow(/sigma 0/)
  })
})
