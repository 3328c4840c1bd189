import { describe, expect, it } from 'vitest'
import { metricsLabel, referenceState, scoreOptimalLabel } from './metrics-label'

describe('gallery cell metric lines', () => {
  it('shows RMSE and PSNR for a measured cell, marking a start mismatch', () => {
    const m = { comparable: true as const, rmseLatent: 0.012345, psnr: 31.234, reference: 'heun, karras, 200 steps', startMismatch: false }
    expect(metricsLabel(m).text).toBe('RMSE 0.0123 · PSNR 31.2 dB')
    expect(metricsLabel(m).title).toContain('heun, karras, 200 steps')
    expect(metricsLabel({ ...m, startMismatch: true }).text).toMatch(/†$/)
    expect(metricsLabel({ ...m, psnr: null }).text).toContain('PSNR ∞')
  })

  it('says why a stochastic cell is not measured', () => {
    const l = metricsLabel({ comparable: false, reason: 'ancestral sampler: adds fresh noise every step, so it does not follow the ODE' })
    expect(l.text).toBe('not comparable (stochastic)')
    expect(l.title).toContain('ancestral')
    expect(metricsLabel({ comparable: false, reason: 'img2img starts from an encoded image' }).text).toBe('not comparable')
  })

  it('shows how far a reference solve is', () => {
    expect(referenceState({ calls: 100, totalCalls: 399 })).toBe('reference 25%')
    expect(referenceState({ calls: 0, totalCalls: 0 })).toBe('reference 0%')
  })

  it('names the score_optimal profile', () => {
    expect(scoreOptimalLabel({ profile: 'fallback' }).text).toContain('fallback')
    const c = scoreOptimalLabel({ profile: 'calibrated', id: 'abc123', calibratedCfg: 5, calibratedSize: '64x64' })
    expect(c.text).toContain('calibrated')
    expect(c.title).toContain('abc123')
  })
})
