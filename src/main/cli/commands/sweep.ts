/**
 * `studio sweep` and `studio gallery`: the UI's grid jobs from the command line, through the same code —
 * axes typed as in the Sweep view (src/shared/sweep-text.ts), the `studio:generate` validator, the
 * generation service (its local worker, or the render farm with --farm), the library's sweep/gallery
 * group, and the labelled grid export of src/main/sweep. So a farm can be driven headless.
 */
import { resolve, basename, dirname, extname } from 'node:path'
import { existsSync, statSync } from 'node:fs'
import type { GridSpec, ResultEvent } from '../../../shared/api'
import { VALIDATORS } from '../../../shared/api-validators'
import { SAMPLER_IDS, SCHEDULE_IDS } from '../../../shared/catalogue'
import { DEFAULT_PARAMS } from '../../../shared/params'
import { formatSweepValue, isSweepParam, SWEEP_PARAM_IDS, SWEEP_PARAMS, type SweepAxis } from '../../../shared/sweep'
import { parseAxisText } from '../../../shared/sweep-text'
import type { SweepExportAxis } from '../../../shared/sweep-export'
import { checkFarmUrl, redactUrl } from '../../farm/connection'
import { FarmDispatcher } from '../../farm/dispatcher'
import { LibrarySink, openLibraryFor } from '../../library/keep'
import { LibraryResultSink } from '../../service/library-result-sink'
import { MemoryResultSink, type ResultSink } from '../../service/result-sink'
import { GenerationService } from '../../service/service'
import { exportSweep } from '../../sweep/handlers'
import { writeFileAtomic } from '../../util/atomic-write'
import { sourceWorkerFactory } from '../../worker/spawn'
import { CliUsageError, formatOptions, parseOptions, type OptionSpec, type ParsedOptions } from './args'
import { resolveModelDir } from './model-dir'
import type { Command, CommandIo } from './types'

const COMMON: OptionSpec = {
  model: { type: 'string', value: 'DIR', help: 'ONNX model folder or a name under models/ (default: the embedded model)' },
  prompt: { type: 'string', value: 'TEXT', help: 'what to draw (required)' },
  negative: { type: 'string', value: 'TEXT', help: 'negative prompt' },
  sampler: { type: 'string', value: 'ID', help: 'sampler of every cell unless an axis varies it (default euler)' },
  schedule: { type: 'string', value: 'ID', help: 'schedule unless an axis varies it (default normal)' },
  steps: { type: 'int', value: 'N', help: 'sampling steps unless an axis varies it' },
  cfg: { type: 'number', value: 'X', help: 'CFG scale unless an axis varies it' },
  seed: { type: 'string', value: 'S', help: 'seed unless an axis varies it (default 0)' },
  width: { type: 'int', value: 'W', help: 'width in pixels' },
  height: { type: 'int', value: 'H', help: 'height in pixels' },
  farm: { type: 'string', value: 'URL', help: 'run the cells on a render farm: redis://[:PASSWORD@]HOST:6379 or rediss://… (or $SIGMA_FARM_URL)' },
  export: { type: 'string', value: 'FILE.png', help: 'also write the labelled grid image here' },
  library: { type: 'string', value: 'DIR', help: 'library folder (default: $SIGMA_STUDIO_LIBRARY or the platform user-data folder)' },
  'no-library': { type: 'flag', help: 'keep the images in memory only (use with --export)' },
  help: { type: 'flag', help: 'show this help' }
}

const SWEEP_OPTIONS: OptionSpec = {
  x: { type: 'string', value: 'PARAM=LIST', help: `columns: a parameter and its values, e.g. cfg=3,5,7.5 or steps=4-12 (+4); parameters: ${SWEEP_PARAM_IDS.join(', ')}` },
  y: { type: 'string', value: 'PARAM=LIST', help: 'rows (optional), same form as --x' },
  ...COMMON
}

const GALLERY_OPTIONS: OptionSpec = {
  samplers: { type: 'string', value: 'LIST', help: 'rows: sampler ids, comma-separated, or "all"' },
  schedules: { type: 'string', value: 'LIST', help: 'columns: schedule ids, comma-separated, or "all"' },
  ...COMMON
}

const SWEEP_USAGE = `usage: npm run -s studio -- sweep --x PARAM=LIST [--y PARAM=LIST] --prompt "…" [options]

${formatOptions(SWEEP_OPTIONS)}`

const GALLERY_USAGE = `usage: npm run -s studio -- gallery --samplers LIST --schedules LIST --prompt "…" [options]

${formatOptions(GALLERY_OPTIONS)}`

/** "cfg=3,5,7" → the axis, its values parsed exactly as the Sweep view parses them. */
export function parseAxisOption(text: string, option: string): SweepAxis {
  const eq = text.indexOf('=')
  const param = eq < 0 ? '' : text.slice(0, eq).trim()
  if (!isSweepParam(param)) throw new CliUsageError(`--${option} must be PARAM=LIST with PARAM one of ${SWEEP_PARAM_IDS.join(', ')}; got "${text}"`)
  return { param, values: parseAxisText(param, text.slice(eq + 1), `--${option} (${SWEEP_PARAMS[param].label})`) }
}

function idList(text: string, all: readonly string[], option: string): string[] {
  if (text.trim() === 'all') return [...all]
  const ids = text.split(',').map((t) => t.trim()).filter(Boolean)
  if (ids.length === 0) throw new CliUsageError(`--${option} needs at least one id`)
  for (const id of ids) if (!all.includes(id)) throw new CliUsageError(`--${option}: unknown id "${id}"; known: ${all.join(', ')}`)
  return ids
}

function checkExport(path: string): void {
  if (extname(path).toLowerCase() !== '.png') throw new CliUsageError(`--export ${path} does not end in .png`)
  const dir = dirname(path)
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CliUsageError(`--export: the folder ${dir} does not exist`)
}

interface GridPlan {
  grid: GridSpec
  x: SweepExportAxis
  y: SweepExportAxis
}

/** Runs one grid job through the service and reports it; returns the exit code. */
async function runGrid(o: ParsedOptions, plan: GridPlan, io: CommandIo): Promise<number> {
  if (typeof o.prompt !== 'string') throw new CliUsageError('--prompt is required')
  const noLibrary = o['no-library'] === true
  if (noLibrary && o.library !== undefined) throw new CliUsageError('--library and --no-library contradict each other; pass one')
  const exportPath = typeof o.export === 'string' ? resolve(o.export) : undefined
  if (exportPath) checkExport(exportPath)
  if (noLibrary && !exportPath) throw new CliUsageError('with --no-library, pass --export FILE.png (else the images go nowhere)')
  const farmUrl = (o.farm as string | undefined) ?? process.env.SIGMA_FARM_URL
  if (farmUrl) {
    try {
      checkFarmUrl(farmUrl)
    } catch (e) {
      throw new CliUsageError((e as Error).message)
    }
  }
  const modelDir = resolveModelDir(o.model as string | undefined)
  const modelsDir = dirname(modelDir)
  const request = VALIDATORS['studio:generate']({
    params: {
      ...DEFAULT_PARAMS,
      model: basename(modelDir),
      prompt: o.prompt,
      negativePrompt: (o.negative as string | undefined) ?? '',
      ...(o.sampler !== undefined ? { sampler: o.sampler } : {}),
      ...(o.schedule !== undefined ? { schedule: o.schedule } : {}),
      ...(o.steps !== undefined ? { steps: o.steps } : {}),
      ...(o.cfg !== undefined ? { cfg: o.cfg } : {}),
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
      ...(o.width !== undefined ? { width: o.width } : {}),
      ...(o.height !== undefined ? { height: o.height } : {})
    },
    preview: { mode: 'off', every: 1 },
    grid: plan.grid
  })
  const { library } = await openLibraryFor({ library: o.library as string | undefined, noLibrary })
  const sink: ResultSink = library ? new LibraryResultSink(new LibrarySink(library), modelsDir) : new MemoryResultSink(1024)
  const farm = farmUrl ? new FarmDispatcher({ url: farmUrl, modelsDir, log: (l) => io.err(l) }) : null
  const service = new GenerationService({ workerFactory: sourceWorkerFactory, runner: 'onnx', modelsDir, defaultModel: basename(modelDir), sink, dispatcher: farm })
  const started = Date.now()
  try {
    const results: ResultEvent[] = []
    let failed = 0
    service.on('studio:result', (r) => {
      results.push(r)
      io.out(`cell ${r.cell + 1}/${r.cells}: ${r.params.sampler}/${r.params.schedule} steps ${r.params.steps} cfg ${r.params.cfg} seed ${r.params.seed} → ${library ? `library ${r.resultId}` : 'memory'}`)
    })
    service.on('studio:error', (e) => {
      failed++
      io.err(`${e.cell === null ? 'job' : `cell ${e.cell + 1}`}: ${e.code}: ${e.message}`)
    })
    const { jobId } = service.generate(request)
    const stop = (): void => void service.cancel(jobId)
    process.once('SIGINT', stop)
    const state = await new Promise<string>((done) => service.onJobFinished((i) => i.jobId === jobId && done(i.state)))
    process.off('SIGINT', stop)
    const byCell = new Map(results.map((r) => [r.cell, r.resultId]))
    const total = plan.x.values.length * plan.y.values.length
    if (exportPath) {
      const out = await exportSweep(
        {
          title: request.params.prompt.slice(0, 500),
          x: plan.x,
          y: plan.y,
          cells: Array.from({ length: total }, (_, i) => byCell.get(i) ?? { missing: state === 'cancelled' ? ('cancelled' as const) : ('failed' as const) })
        },
        { readResult: (id) => sink.read(id), exportsDir: () => null }
      )
      writeFileAtomic(exportPath, out.data)
      io.out(`wrote ${exportPath} (${out.width}x${out.height})`)
    }
    io.out(`${state}: ${results.length}/${total} cells in ${((Date.now() - started) / 1000).toFixed(1)} s${farm ? ` on ${redactUrl(farmUrl!)}` : ' locally'}${failed ? `, ${failed} error(s)` : ''}`)
    return state === 'completed' ? 0 : 1
  } finally {
    await service.close()
    library?.close()
  }
}

function axisLabels(a: SweepAxis): SweepExportAxis {
  return { label: SWEEP_PARAMS[a.param].label, values: a.values.map((v) => formatSweepValue(a.param, v)) }
}

export const sweepCommand: Command = {
  name: 'sweep',
  summary: 'an X/Y sweep over any two parameters as one grid job (locally or on a farm), with a labelled grid image',
  usage: SWEEP_USAGE,
  async run(argv, io) {
    const { options: o, positional } = parseOptions(argv, SWEEP_OPTIONS)
    if (o.help) {
      io.out(SWEEP_USAGE)
      return 0
    }
    if (positional.length > 0) throw new CliUsageError(`unexpected argument "${positional[0]}"`)
    if (typeof o.x !== 'string') throw new CliUsageError('--x PARAM=LIST is required')
    const x = parseAxisOption(o.x, 'x')
    const y = typeof o.y === 'string' ? parseAxisOption(o.y, 'y') : null
    if (y && y.param === x.param) throw new CliUsageError(`--x and --y both vary ${x.param}; choose two parameters`)
    // Rows (Y) outer, columns (X) inner: the UI's order, so cell i is row floor(i / columns).
    const axes = y ? [y, x] : [x]
    return runGrid(o, { grid: { axes }, x: axisLabels(x), y: y ? axisLabels(y) : { label: '', values: [''] } }, io)
  }
}

export const galleryCommand: Command = {
  name: 'gallery',
  summary: 'samplers x schedules on one seed as one grid job (locally or on a farm), with a labelled grid image',
  usage: GALLERY_USAGE,
  async run(argv, io) {
    const { options: o, positional } = parseOptions(argv, GALLERY_OPTIONS)
    if (o.help) {
      io.out(GALLERY_USAGE)
      return 0
    }
    if (positional.length > 0) throw new CliUsageError(`unexpected argument "${positional[0]}"`)
    if (typeof o.samplers !== 'string' || typeof o.schedules !== 'string') throw new CliUsageError('--samplers LIST and --schedules LIST are required')
    const samplers = idList(o.samplers, SAMPLER_IDS, 'samplers')
    const schedules = idList(o.schedules, SCHEDULE_IDS, 'schedules')
    // The service expands samplers outer, schedules inner: rows = samplers, columns = schedules (as the Gallery view).
    return runGrid(
      { ...o, sampler: samplers[0], schedule: schedules[0] },
      { grid: { samplers, schedules }, x: { label: 'Schedule', values: schedules }, y: { label: 'Sampler', values: samplers } },
      io
    )
  }
}
