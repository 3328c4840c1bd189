/**
 * A grid job's axes (GridSpec) and their expansion into cells: the cross product of the fixed axes
 * (samplers, schedules, CFG, steps, seeds) and any sweep axes (src/shared/sweep.ts) over the base
 * parameters, with a batch split into one cell per image.
 */
import { SAMPLER_BY_ID, SCHEDULE_BY_ID } from './catalogue'
import { batchSeeds, LIMITS, parseSeed, type GenerationParams } from './params'
import { applySweepValue, validateSweepAxes, type SweepAxis } from './sweep'
import { fieldChecked, list, obj, RequestError } from './validate'

/**
 * A grid job: the cross product of these axes applied to the base params, one cell per combination,
 * in the order samplers x schedules x cfg x steps x seeds (seeds vary fastest). An omitted or empty
 * axis keeps the base value.
 */
export interface GridSpec {
  samplers?: string[]
  schedules?: string[]
  cfg?: number[]
  steps?: number[]
  seeds?: string[]
  /**
   * Measure every cell against a high-accuracy reference solve of the same probability-flow ODE from the
   * same starting noise (ResultEvent.metrics). Costs about 400 extra model calls per distinct
   * prompt/seed/CFG/size in the job.
   */
  reference?: boolean
  /**
   * Further axes over any sweepable parameter (src/shared/sweep.ts), nested inside the ones above in
   * this order (the last axis varies fastest). A parameter may not be both here and in a field above.
   */
  axes?: SweepAxis[]
}

/** The most cells (images) one job may make. */
export const MAX_GRID_CELLS = 256

export function validateGridSpec(raw: unknown): GridSpec | null {
  if (raw === null || raw === undefined) return null
  const o = obj(raw, 'grid', ['samplers', 'schedules', 'cfg', 'steps', 'seeds', 'reference', 'axes'])
  const g: GridSpec = {}
  if (o.samplers !== undefined) {
    g.samplers = list(o.samplers, 'grid.samplers', 64, (x, f) => {
      if (typeof x !== 'string' || !SAMPLER_BY_ID.has(x)) throw new RequestError(f, `unknown sampler ${JSON.stringify(x)}`)
      return x
    })
  }
  if (o.schedules !== undefined) {
    g.schedules = list(o.schedules, 'grid.schedules', 64, (x, f) => {
      if (typeof x !== 'string' || !SCHEDULE_BY_ID.has(x)) throw new RequestError(f, `unknown schedule ${JSON.stringify(x)}`)
      return x
    })
  }
  if (o.cfg !== undefined) {
    g.cfg = list(o.cfg, 'grid.cfg', 64, (x, f) => {
      if (typeof x !== 'number' || !Number.isFinite(x) || x < 0 || x > LIMITS.maxCfg) throw new RequestError(f, `must be a CFG scale from 0 to ${LIMITS.maxCfg}`)
      return x
    })
  }
  if (o.steps !== undefined) {
    g.steps = list(o.steps, 'grid.steps', 64, (x, f) => {
      if (typeof x !== 'number' || !Number.isInteger(x) || x < 1 || x > LIMITS.maxSteps) throw new RequestError(f, `must be a step count from 1 to ${LIMITS.maxSteps}`)
      return x
    })
  }
  if (o.seeds !== undefined) {
    g.seeds = list(o.seeds, 'grid.seeds', 256, (x, f) => {
      try {
        return parseSeed(x, f)
      } catch (e) {
        throw new RequestError(f, (e as Error).message)
      }
    })
  }
  if (o.reference !== undefined) {
    if (typeof o.reference !== 'boolean') throw new RequestError('grid.reference', `must be true or false, got ${JSON.stringify(o.reference)}`)
    if (o.reference) g.reference = true
  }
  if (o.axes !== undefined) {
    g.axes = fieldChecked(() => validateSweepAxes(o.axes))
    const fixed: Record<string, [string, unknown[] | undefined]> = { sampler: ['samplers', g.samplers], schedule: ['schedules', g.schedules], cfg: ['cfg', g.cfg], steps: ['steps', g.steps], seed: ['seeds', g.seeds] }
    g.axes.forEach((a, i) => {
      const [name, values] = fixed[a.param] ?? ['', undefined]
      if (values?.length) throw new RequestError(`grid.axes[${i}].param`, `${a.param} is already varied by grid.${name}; use one of the two`)
    })
  }
  const n = gridCellCount(g)
  if (n > MAX_GRID_CELLS) throw new RequestError('grid', `makes ${n} cells; the limit is ${MAX_GRID_CELLS}; remove some values from an axis`)
  return g
}

export function gridCellCount(g: GridSpec | null): number {
  if (!g) return 1
  const len = (a: unknown[] | undefined): number => (a && a.length > 0 ? a.length : 1)
  return len(g.samplers) * len(g.schedules) * len(g.cfg) * len(g.steps) * len(g.seeds) * (g.axes ?? []).reduce((n, a) => n * len(a.values), 1)
}

/**
 * The cells of a job, in axis order (seeds fastest, then `axes` inside them, the last fastest), with a
 * batch of N split into N cells seeded seed, seed+1, … (how batch images are seeded here and in A1111):
 * each image then has its own result and library entry, and the worker still stacks their UNet runs
 * into one batched call at the session.
 */
export function expandGrid(base: GenerationParams, g: GridSpec | null): GenerationParams[] {
  return expandAxes(base, g).flatMap((c) => (c.batchSize > 1 ? batchSeeds(c.seed, c.batchSize).map((seed) => ({ ...c, seed, batchSize: 1 })) : [c]))
}

/**
 * The cells of a grid job, in axis order (seeds fastest, then `axes` inside them, the last fastest). A
 * sampler change from the fixed fields drops its options; one from `axes` keeps those it still takes.
 */
function expandAxes(base: GenerationParams, g: GridSpec | null): GenerationParams[] {
  if (!g) return [base]
  const axis = <T>(a: T[] | undefined, d: T): T[] => (a && a.length > 0 ? a : [d])
  const out: GenerationParams[] = []
  for (const sampler of axis(g.samplers, base.sampler))
    for (const schedule of axis(g.schedules, base.schedule))
      for (const cfg of axis(g.cfg, base.cfg))
        for (const steps of axis(g.steps, base.steps))
          for (const seed of axis(g.seeds, base.seed)) {
            out.push({
              ...base,
              sampler,
              samplerOptions: sampler === base.sampler ? base.samplerOptions : {},
              schedule,
              scheduleParams: schedule === base.schedule ? base.scheduleParams : {},
              cfg,
              steps,
              seed
            })
          }
  if (!g.axes?.length) return out
  // Each axis multiplies the cells so far, so earlier axes vary slower (row-major).
  return g.axes.reduce((cells, a) => cells.flatMap((c) => a.values.map((v) => applySweepValue(c, a.param, v))), out)
}

/** One runtime validator per call: untrusted payload in, typed payload out, or a RequestError. */
