/**
 * The short lines a gallery cell shows under its image: its distance to the reference solution
 * ("RMSE 0.012 · PSNR 31.2 dB", or why it is not comparable) and, for score_optimal cells, which
 * profile made the schedule. Pure functions, so the wording is tested without a DOM.
 */
import type { CellMetrics } from '../../../../shared/api'
import type { ScoreOptimalUse } from '../../../../shared/calibration'

/** Three significant digits keeps 0.0123 and 1.23 equally readable in a 160-px cell. */
function sig3(v: number): string {
  if (v === 0) return '0'
  const a = Math.abs(v)
  return a >= 1000 ? v.toFixed(0) : a >= 0.001 ? String(Number(v.toPrecision(3))) : v.toExponential(2)
}

export function metricsLabel(m: CellMetrics): { text: string; title: string } {
  if (!m.comparable) {
    const short = /ancestral|SDE|noise/i.test(m.reason) ? 'not comparable (stochastic)' : 'not comparable'
    return { text: short, title: `Not measured against the reference: ${m.reason}` }
  }
  const psnr = m.psnr === null ? 'PSNR ∞' : `PSNR ${m.psnr.toFixed(1)} dB`
  const text = `RMSE ${sig3(m.rmseLatent)} · ${psnr}${m.startMismatch ? ' †' : ''}`
  const title =
    `Against the reference (${m.reference}) from the same noise: RMSE of the final latent ${m.rmseLatent}, ` +
    `PSNR of the decoded image ${m.psnr === null ? 'infinite (identical)' : `${m.psnr.toFixed(2)} dB`}` +
    (m.startMismatch ? '. † This schedule starts at another sigma than the reference, so part of the error is the different start.' : '')
  return { text, title }
}

/** A running cell whose reference is being solved: "reference 42%". */
export function referenceState(r: { calls: number; totalCalls: number }): string {
  return `reference ${r.totalCalls > 0 ? Math.floor((100 * r.calls) / r.totalCalls) : 0}%`
}

export function scoreOptimalLabel(u: ScoreOptimalUse): { text: string; title: string } {
  if (u.profile === 'fallback') {
    return { text: 'score_optimal: fallback', title: 'No calibrated profile for this model yet: the built-in Gaussian fallback made the schedule. Calibrate the model to use its own.' }
  }
  return {
    text: 'score_optimal: calibrated',
    title: `The schedule was cut from this model's calibrated profile ${u.id} (calibrated at CFG ${u.calibratedCfg}, ${u.calibratedSize}).`
  }
}
