/**
 * Quantitative sampler × schedule comparison against a reference solution (issue 8): for each seed, one
 * high-accuracy reference solve of the probability-flow ODE; then every (sampler, schedule, steps) run from
 * the same starting noise, measured by RMSE of the final state (latent space) and, with a decoder, PSNR in
 * pixel space. Pure: the denoiser, the start noise and the decoder are injected, so the same function
 * serves the analytic mixture in tests and a real model in the CLI (`studio evaluate schedules`).
 */
import { FAMILIES, type ModelFamily } from '../../../shared/model-family'
import { SAMPLER_BY_ID } from '../../../shared/catalogue'
import { TorchGenerator, torchNoiseSource } from '../rng'
import { runSampler } from '../samplers/run'
import { computeSigmas, resolveParams, type ScheduleModel } from '../schedules/index'
import { scoreOptimal } from '../score-optimal/schedule'
import type { ScoreOptimalProfile } from '../score-optimal/profile'
import type { Denoiser, SamplerOptions, Tensor, UncondSource } from '../types'
import { EngineInputError } from '../types'
import { psnr, referenceComparability, rmse, type PixelRange } from './metrics'
import { computeReference, DEFAULT_REFERENCE, type ReferenceSettings } from './reference'

export interface ScheduleSpec {
  id: string
  /** Column label (default: the id). Use it to compare one schedule with different params (karras rho 3 vs 7). */
  label?: string
  params?: Readonly<Record<string, number>>
  /** score_optimal only: this profile instead of the input's; null = the built-in Gaussian fallback. */
  profile?: ScoreOptimalProfile | null
}

export interface EvaluationProgress {
  done: number
  total: number
  /** What was just finished: "reference seed 3" or "euler / karras / 10 / seed 3". */
  label: string
}

export interface EvaluateInput {
  denoise: Denoiser
  /** Unit Gaussian starting noise for a seed (the app: new TorchGenerator(seed).randn(latentLength)). */
  startNoise: (seed: number) => ArrayLike<number> | Promise<ArrayLike<number>>
  samplers: readonly string[]
  schedules: readonly (string | ScheduleSpec)[]
  steps: readonly number[]
  seeds: readonly number[]
  /** The model's noise levels (a ModelSigmas table for table schedules such as simple and beta). */
  model: ScheduleModel
  reference?: ReferenceSettings
  /** The model's calibrated profile for `score_optimal` (without one, its Gaussian fallback is measured). */
  profile?: ScoreOptimalProfile
  samplerOptions?: Readonly<Record<string, SamplerOptions>>
  /** For CFG++ samplers: the capture `denoise` records each evaluation's unconditional prediction into. */
  uncond?: UncondSource
  /** The model's sigma at a fraction of the run (sa_solver's default SDE interval). */
  percentToSigma?: (percent: number) => number
  /** Latent → pixels, to report PSNR as well. */
  decode?: (latent: Tensor) => Promise<ArrayLike<number>>
  pixelRange?: PixelRange
  /** Reference solutions by seed, e.g. backed by files keyed with referenceCacheKey. */
  referenceCache?: {
    get(seed: number): Tensor | undefined | Promise<Tensor | undefined>
    set(seed: number, x: Tensor): void | Promise<void>
  }
  /** Start-noise scale given a schedule's first sigma, for generation and reference alike (default σ_0). */
  startScale?: (sigma0: number) => number
  /** Also solve the first seed's reference at twice the steps and report their distance (a check that the reference is converged). */
  checkReference?: boolean
  signal?: AbortSignal
  onProgress?: (p: EvaluationProgress) => void
}

export interface EvaluationCell {
  sampler: string
  /** The schedule's label (its id unless a label was given). */
  schedule: string
  steps: number
  comparable: boolean
  /** Why not comparable, or the error the run raised. */
  reason?: string
  /** Over the seeds: mean, sample standard deviation, and each seed's value (in seed order). */
  meanRmse?: number
  /** Median over the seeds: robust to the odd seed whose trajectory lands in another mode. */
  medianRmse?: number
  sdRmse?: number
  rmse?: number[]
  meanPsnr?: number
  /** Model calls per image. */
  modelCalls?: number
  /** The schedule starts at another sigma than the reference (its start state then differs too). */
  startMismatch?: boolean
}

export interface EvaluationTable {
  samplers: string[]
  schedules: string[]
  steps: number[]
  seeds: number[]
  reference: ReferenceSettings
  referenceCalls: number
  /** RMSE between the first seed's reference and one at twice the steps (when checkReference). */
  referenceError?: number
  cells: EvaluationCell[]
}

/** The samplers issue 8's `studio evaluate schedules` compares. */
export const EVALUATION_SAMPLERS: readonly string[] = Object.freeze(['euler', 'heun', 'dpmpp_2m', 'uni_pc'])

/** The schedules it compares; AYS is the family's table (ays_sd1 or ays_sdxl). simple and beta need a ModelSigmas. */
export function evaluationSchedules(family: ModelFamily = 'sd1'): ScheduleSpec[] {
  return [
    { id: 'simple' },
    { id: 'karras' },
    { id: 'exponential' },
    { id: FAMILIES[family].aysSchedule, label: 'AYS' },
    { id: 'beta' },
    { id: 'score_optimal' }
  ]
}

/** Sigma list for a schedule spec; `score_optimal` is served here with the given profile. */
export function scheduleSigmas(spec: ScheduleSpec, steps: number, model: ScheduleModel, profile?: ScoreOptimalProfile): Float64Array {
  if (spec.id === 'score_optimal') {
    const p = spec.profile === null ? undefined : (spec.profile ?? profile)
    return scoreOptimal.compute(steps, model, resolveParams(scoreOptimal, spec.params ?? {}), { profile: p })
  }
  return computeSigmas(spec.id, steps, model, spec.params)
}

function cancelled(signal?: AbortSignal): void {
  if (signal?.aborted) throw signal.reason ?? new DOMException('evaluation was cancelled', 'AbortError')
}

const mean = (a: readonly number[]): number => a.reduce((s, v) => s + v, 0) / a.length
const median = (a: readonly number[]): number => {
  const b = [...a].sort((p, q) => p - q)
  const m = b.length >> 1
  return b.length % 2 ? b[m] : 0.5 * (b[m - 1] + b[m])
}
const sd = (a: readonly number[]): number => {
  if (a.length < 2) return 0
  const m = mean(a)
  return Math.sqrt(a.reduce((s, v) => s + (v - m) ** 2, 0) / (a.length - 1))
}

/** Runs the whole comparison; see the module comment. Cells are in sampler, schedule, steps order. */
export async function evaluateSchedules(input: EvaluateInput): Promise<EvaluationTable> {
  const ref = input.reference ?? DEFAULT_REFERENCE
  const specs: ScheduleSpec[] = input.schedules.map((s) => (typeof s === 'string' ? { id: s } : s))
  const labels = specs.map((s) => s.label ?? s.id)
  if (new Set(labels).size !== labels.length) throw new EngineInputError('evaluate: schedule labels must be distinct')
  if (input.seeds.length === 0 || input.steps.length === 0 || input.samplers.length === 0 || specs.length === 0) {
    throw new EngineInputError('evaluate: give at least one sampler, schedule, step count and seed')
  }
  for (const s of input.samplers) if (!SAMPLER_BY_ID.has(s)) throw new EngineInputError(`evaluate: unknown sampler "${s}"`)
  const comparability = new Map(input.samplers.map((s) => [s, referenceComparability(s, input.samplerOptions?.[s])]))
  const runnable = input.samplers.filter((s) => comparability.get(s)!.comparable)
  const total = input.seeds.length * (1 + runnable.length * specs.length * input.steps.length) + (input.checkReference ? 1 : 0)
  let done = 0
  const tick = (label: string): void => {
    done++
    input.onProgress?.({ done, total, label })
  }

  // Sigma lists once per (schedule, steps); an error (e.g. a table schedule given only a range) marks the cells.
  const sigmaLists = new Map<string, Float64Array | Error>()
  for (const [i, spec] of specs.entries()) {
    for (const n of input.steps) {
      try {
        sigmaLists.set(`${i}/${n}`, scheduleSigmas(spec, n, input.model, input.profile))
      } catch (e) {
        sigmaLists.set(`${i}/${n}`, e instanceof Error ? e : new Error(String(e)))
      }
    }
  }

  type Acc = { rmse: number[]; psnr: number[]; calls: number; error?: string; mismatch: boolean }
  const acc = new Map<string, Acc>()
  const key = (a: string, i: number, n: number): string => `${a}|${i}|${n}`
  let referenceError: number | undefined
  let referenceCalls = 0

  for (const [si, seed] of input.seeds.entries()) {
    cancelled(input.signal)
    const noise = Float64Array.from(await input.startNoise(seed))
    let refX = await input.referenceCache?.get(seed)
    let refSigma0 = NaN
    if (!refX) {
      const r = await computeReference(input.denoise, noise, input.model, ref, { signal: input.signal, startScale: input.startScale })
      refX = r.x
      refSigma0 = r.sigmas[0]
      referenceCalls = r.modelCalls
      await input.referenceCache?.set(seed, refX)
    } else {
      refSigma0 = computeSigmas(ref.schedule, ref.steps, input.model, ref.params)[0]
    }
    tick(`reference seed ${seed}`)
    if (si === 0 && input.checkReference) {
      const r2 = await computeReference(input.denoise, noise, input.model, { ...ref, steps: 2 * ref.steps }, { signal: input.signal, startScale: input.startScale })
      referenceError = rmse(r2.x, refX)
      tick(`reference check seed ${seed}`)
    }
    const refPixels = input.decode ? await input.decode(refX) : undefined

    for (const sampler of runnable) {
      for (const [i, spec] of specs.entries()) {
        for (const n of input.steps) {
          cancelled(input.signal)
          const k = key(sampler, i, n)
          const a = acc.get(k) ?? { rmse: [], psnr: [], calls: 0, mismatch: false }
          acc.set(k, a)
          const sig = sigmaLists.get(`${i}/${n}`)!
          if (sig instanceof Error) {
            a.error = sig.message
            tick(`${sampler} / ${labels[i]} / ${n} / seed ${seed}`)
            continue
          }
          try {
            const scale = input.startScale ? input.startScale(sig[0]) : sig[0]
            const x = Float64Array.from(noise, (z) => z * scale)
            if (Math.abs(sig[0] - refSigma0) > 1e-9 * refSigma0) a.mismatch = true
            const stats = { modelCalls: 0 }
            // Samplers that draw noise they do not use (res_multistep, heunpp2 without churn) get a seeded source.
            const out = await runSampler(sampler, input.denoise, x, sig, {
              noise: torchNoiseSource(new TorchGenerator(seed), x.length),
              options: input.samplerOptions?.[sampler],
              uncond: input.uncond,
              percentToSigma: input.percentToSigma,
              stats
            })
            a.rmse.push(rmse(out, refX))
            a.calls = stats.modelCalls
            if (input.decode && refPixels) a.psnr.push(psnr(await input.decode(out), refPixels, input.pixelRange ?? 'signed'))
          } catch (e) {
            if (input.signal?.aborted) throw e
            a.error = e instanceof Error ? e.message : String(e)
          }
          tick(`${sampler} / ${labels[i]} / ${n} / seed ${seed}`)
        }
      }
    }
  }

  const cells: EvaluationCell[] = []
  for (const sampler of input.samplers) {
    const c = comparability.get(sampler)!
    for (const [i] of specs.entries()) {
      for (const n of input.steps) {
        if (!c.comparable) {
          cells.push({ sampler, schedule: labels[i], steps: n, comparable: false, reason: c.reason })
          continue
        }
        const a = acc.get(key(sampler, i, n))!
        if (a.error || a.rmse.length === 0) {
          cells.push({ sampler, schedule: labels[i], steps: n, comparable: true, reason: a.error ?? 'no runs' })
          continue
        }
        const cell: EvaluationCell = {
          sampler,
          schedule: labels[i],
          steps: n,
          comparable: true,
          meanRmse: mean(a.rmse),
          medianRmse: median(a.rmse),
          sdRmse: sd(a.rmse),
          rmse: a.rmse,
          modelCalls: a.calls
        }
        if (a.psnr.length) cell.meanPsnr = mean(a.psnr)
        if (a.mismatch) cell.startMismatch = true
        cells.push(cell)
      }
    }
  }
  return {
    samplers: [...input.samplers],
    schedules: labels,
    steps: [...input.steps],
    seeds: [...input.seeds],
    reference: ref,
    referenceCalls,
    referenceError,
    cells
  }
}

/** The cell for (sampler, schedule label, steps). */
export function findCell(t: EvaluationTable, sampler: string, schedule: string, steps: number): EvaluationCell | undefined {
  return t.cells.find((c) => c.sampler === sampler && c.schedule === schedule && c.steps === steps)
}

export interface FormatOptions {
  format?: 'text' | 'markdown'
  metric?: 'rmse' | 'median-rmse' | 'psnr'
  /** Significant digits (default 3). */
  digits?: number
  /** Mark the best schedule per (sampler, steps) with * (text) or bold (Markdown); default true. */
  markBest?: boolean
}

/**
 * The table with one row per (sampler, schedule) and one column per step count: mean RMSE against the
 * reference (lower is better) or mean PSNR in dB (higher is better). "n/c" = not comparable (ancestral/SDE),
 * "err" = the schedule or run failed.
 */
export function formatEvaluation(t: EvaluationTable, o: FormatOptions = {}): string {
  const format = o.format ?? 'text'
  const metric = o.metric ?? 'rmse'
  const digits = o.digits ?? 3
  const markBest = o.markBest ?? true
  const value = (c: EvaluationCell | undefined): number | undefined =>
    metric === 'rmse' ? c?.meanRmse : metric === 'median-rmse' ? c?.medianRmse : c?.meanPsnr
  const best = new Map<string, number>()
  for (const s of t.samplers) {
    for (const n of t.steps) {
      let b: number | undefined
      for (const sch of t.schedules) {
        const v = value(findCell(t, s, sch, n))
        if (v === undefined || !Number.isFinite(v)) continue
        if (b === undefined || (metric === 'psnr' ? v > b : v < b)) b = v
      }
      if (b !== undefined) best.set(`${s}|${n}`, b)
    }
  }
  const header = ['sampler', 'schedule', ...t.steps.map((n) => `${n} steps`)]
  const rows: string[][] = []
  for (const s of t.samplers) {
    for (const sch of t.schedules) {
      const row = [s, sch]
      for (const n of t.steps) {
        const c = findCell(t, s, sch, n)
        const v = value(c)
        let txt: string
        if (!c || !c.comparable) txt = 'n/c'
        else if (v === undefined) txt = 'err'
        else {
          txt = metric === 'psnr' ? v.toFixed(Math.max(0, digits - 2)) : v.toPrecision(digits)
          if (c.startMismatch) txt += '†'
          if (markBest && best.get(`${s}|${n}`) === v) txt = format === 'markdown' ? `**${txt}**` : `${txt}*`
        }
        row.push(txt)
      }
      rows.push(row)
    }
  }
  const what =
    metric === 'psnr'
      ? 'mean PSNR vs reference (dB, pixels; higher is better)'
      : `${metric === 'rmse' ? 'mean' : 'median'} RMSE vs reference (latent; lower is better)`
  const refTxt = `reference: ${t.reference.sampler}, ${t.reference.steps} steps, ${t.reference.schedule}${
    t.referenceError !== undefined ? `; its own error ≈ ${t.referenceError.toPrecision(2)} (vs ${2 * t.reference.steps} steps)` : ''
  }; ${t.seeds.length} seeds`
  if (format === 'markdown') {
    const line = (r: string[]): string => `| ${r.join(' | ')} |`
    return [
      `${what}; ${refTxt}.`,
      '',
      line(header),
      line(header.map((_, i) => (i < 2 ? '---' : '---:'))),
      ...rows.map(line)
    ].join('\n')
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const pad = (r: string[]): string => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd()
  return [`${what}`, refTxt, '', pad(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(pad)].join('\n')
}
