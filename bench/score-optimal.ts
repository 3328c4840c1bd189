/**
 * `npm run -s bench -- score-optimal`: issue 8's figures on the analytic "dataset-like" mixture (16-D,
 * 12 components, SD sigma range): the score-optimal profile estimated from the denoiser, then mean and
 * median RMSE against a 400-step Heun reference for euler, heun, dpmpp_2m and uni_pc × range schedules
 * (karras, exponential, kl_optimal, AYS, score_optimal), at 5/10/20 steps, on 8 seeds (the issue's protocol)
 * and 64 seeds (to see past single seeds). Also: score_optimal from the exact (Monte Carlo) δ instead of the
 * estimate, and the uncalibrated Gaussian fallback at sigma_data 1 and 0.1. A few seconds on one core.
 */
import { gmmDenoiser } from '../src/main/engine/gmm'
import { evaluateSchedules, findCell, formatEvaluation, type ScheduleSpec } from '../src/main/engine/reference/evaluate'
import { gmmDeltaMonteCarlo, logUniformGrid } from '../src/main/engine/score-optimal/closed-form'
import { estimateScoreOptimalProfile } from '../src/main/engine/score-optimal/estimate'
import { datasetLikeMixture, torchStartNoise } from '../src/main/engine/score-optimal/mixture-problem'
import { profileFromIntervalCosts } from '../src/main/engine/score-optimal/profile'
import { scoreOptimalSigmas } from '../src/main/engine/score-optimal/schedule'

const SD = { sigmaMin: 0.0291671582, sigmaMax: 14.6146412293 }

export async function benchScoreOptimal(): Promise<unknown> {
  const mix = datasetLikeMixture()
  const denoise = gmmDenoiser(mix)
  const t0 = Date.now()
  const profile = await estimateScoreOptimalProfile(denoise, { ...SD, intervals: 128, trajectories: 16, startNoise: (k) => torchStartNoise(16)(1000 + k) })
  const calibrationMs = Date.now() - t0
  const M = 128
  const grid = logUniformGrid(SD.sigmaMin, SD.sigmaMax, M)
  const exactL = Array.from({ length: M }, (_, i) => gmmDeltaMonteCarlo(mix, Math.sqrt(grid[i] * grid[i + 1]), 3000, i) * (grid[i + 1] - grid[i]) ** 2)
  const exact = profileFromIntervalCosts(grid, exactL, { smooth: 0 })
  const schedules: ScheduleSpec[] = [
    { id: 'karras' },
    { id: 'exponential' },
    { id: 'kl_optimal' },
    { id: 'ays_sd1', label: 'AYS' },
    { id: 'score_optimal' },
    { id: 'score_optimal', label: 'so_exact_delta', profile: exact },
    { id: 'score_optimal', label: 'so_fallback_sd1', profile: null, params: { sigma_data: 1 } },
    { id: 'score_optimal', label: 'so_fallback_sd0.1', profile: null, params: { sigma_data: 0.1 } }
  ]
  const out: Record<string, unknown> = {
    problem: { dim: mix.dim, components: mix.weights.length, variances: mix.variances.map((v) => +v.toFixed(4)), range: SD },
    calibration: { intervals: M, trajectories: 16, cost: 'symmetric', calls: 16 * (3 * M + 1), ms: calibrationMs, lambdaTotal: profile.lambdaTotal, exactLambdaTotal: exact.lambdaTotal },
    sigmas10: {
      score_optimal: Array.from(scoreOptimalSigmas(profile, 10), (v) => +v.toPrecision(4)),
      so_exact_delta: Array.from(scoreOptimalSigmas(exact, 10), (v) => +v.toPrecision(4))
    }
  }
  for (const seeds of [8, 64]) {
    const t = await evaluateSchedules({
      denoise,
      startNoise: torchStartNoise(16),
      samplers: ['euler', 'heun', 'dpmpp_2m', 'uni_pc'],
      schedules,
      steps: [5, 10, 20],
      seeds: Array.from({ length: seeds }, (_, i) => i),
      model: SD,
      profile,
      reference: { sampler: 'heun', steps: 400, schedule: 'karras', params: { rho: 7 } },
      checkReference: true
    })
    const done: Record<string, unknown> = {}
    for (const s of ['euler', 'dpmpp_2m']) {
      const k = findCell(t, s, 'karras', 10)!
      const so = findCell(t, s, 'score_optimal', 10)!
      done[s] = {
        karras: { mean: k.meanRmse, median: k.medianRmse },
        score_optimal: { mean: so.meanRmse, median: so.medianRmse },
        seedsWhereScoreOptimalWins: so.rmse!.filter((v, i) => v < k.rmse![i]).length
      }
    }
    out[`seeds${seeds}`] = {
      doneWhen10Steps: done,
      meanTable: formatEvaluation(t).split('\n'),
      medianTable: formatEvaluation(t, { metric: 'median-rmse' }).split('\n'),
      markdown: formatEvaluation(t, { format: 'markdown' })
    }
  }
  return out
}
