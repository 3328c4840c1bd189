/**
 * From the sweep draft to the one grid job it stands for: both axes parsed, the base params built, and
 * the whole request checked with the contract's own validator, so the form shows the same error the
 * studio would give (naming the field) before anything is queued. Pure: no store, no client.
 */
import { RequestError, type GenerateRequest } from '../../../../shared/api'
import { VALIDATORS } from '../../../../shared/api-validators'
import { expandGrid, MAX_GRID_CELLS } from '../../../../shared/sweep-grid'
import { jobShape, memoryLine, type ModelMemoryInfo } from '../../../../shared/memory-estimate'
import { sideProblem } from '../../../../shared/model-family'
import { DEFAULT_PARAMS, type GenerationParams } from '../../../../shared/params'
import { formatSweepValue, SWEEP_PARAMS, type SweepParam, type SweepValue } from '../../../../shared/sweep'
import { AXIS_NAMES, parseDraftAxis, type ShownAxis, type SweepDraft } from '../../store/sweep'

export type SweepPlan =
  | { ok: true; request: GenerateRequest; x: ShownAxis; y: ShownAxis; cells: number; memory: string | null }
  | { ok: false; error: string; cells: number | null }

/** What the plan checks against the chosen model (from the model list); absent while unknown. */
export interface PlanModel {
  sizeStep: number
  memory: ModelMemoryInfo | null
  available: number | null
}

/** An axis as shown on the grid: its parameter's label and one label per value. */
export function shownAxis(param: SweepParam | '', values: SweepValue[]): ShownAxis {
  if (param === '') return { param, label: '', values: [''], labels: [''] }
  return { param, label: SWEEP_PARAMS[param].label, values, labels: values.map((v) => formatSweepValue(param, v)) }
}

export function baseParams(d: SweepDraft): GenerationParams {
  return {
    ...DEFAULT_PARAMS,
    model: d.model,
    prompt: d.prompt,
    negativePrompt: d.negativePrompt,
    sampler: d.sampler,
    schedule: d.schedule,
    steps: d.steps,
    cfg: d.cfg,
    seed: d.seed,
    width: d.width,
    height: d.height
  }
}

export function planSweep(d: SweepDraft, model?: PlanModel): SweepPlan {
  if (d.x.param === '') return { ok: false, error: 'X axis: choose a parameter to sweep.', cells: null }
  if (d.y.param === d.x.param) return { ok: false, error: `Y axis: ${SWEEP_PARAMS[d.x.param].label} is already the X axis; choose another parameter or none.`, cells: null }
  const x = parseDraftAxis(d.x, 'x')!
  const y = parseDraftAxis(d.y, 'y')
  if (!x.ok) return { ok: false, error: x.error, cells: null }
  if (y && !y.ok) return { ok: false, error: y.error, cells: null }
  const cells = x.values.length * (y ? y.values.length : 1)
  if (cells > MAX_GRID_CELLS) return { ok: false, error: `The grid makes ${cells} cells; the limit is ${MAX_GRID_CELLS}. Remove some values from an axis.`, cells }
  // Y is the outer axis (rows) and X the inner one (columns), so cell index = row * columns + column.
  const axes = [...(y ? [{ param: d.y.param as SweepParam, values: y.values }] : []), { param: d.x.param, values: x.values }]
  const raw = { params: baseParams(d), preview: { mode: 'auto', every: 1 }, grid: { axes } }
  try {
    const request = VALIDATORS['studio:generate'](raw)
    // The checks the service makes against the model: every cell's size in its step, and the memory.
    let memory: string | null = null
    if (model) {
      const all = expandGrid(request.params, request.grid)
      for (const c of all) {
        const problem = sideProblem('width', c.width, model.sizeStep) ?? sideProblem('height', c.height, model.sizeStep)
        if (problem) return { ok: false, error: `${swept(d, 'width') || swept(d, 'height') ? 'Size axis: ' : ''}${problem}.`, cells }
      }
      const line = memoryLine(model.memory, jobShape(all), model.available)
      if (line?.over) return { ok: false, error: line.text, cells }
      memory = line?.text ?? null
    }
    return { ok: true, request, x: shownAxis(d.x.param, x.values), y: shownAxis(y ? d.y.param : '', y ? y.values : []), cells, memory }
  } catch (e) {
    if (e instanceof RequestError) return { ok: false, error: readable(e, y !== null), cells }
    throw e
  }
}

const swept = (d: SweepDraft, p: SweepParam): boolean => d.x.param === p || d.y.param === p

/** Names the form field a contract error is about ("grid.axes[1]" is the X axis when there is a Y axis). */
function readable(e: RequestError, hasY: boolean): string {
  const m = /^grid\.axes\[(\d)\]/.exec(e.field)
  if (!m) return e.message.replace(/^params\./, '')
  return `${hasY && m[1] === '0' ? AXIS_NAMES.y : AXIS_NAMES.x}: ${e.message.slice(e.field.length + 2)}`
}
