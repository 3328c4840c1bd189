/**
 * A two-axis sweep through the real service and worker (fake runner) into a real library: the cells
 * expand row-major in the order the renderer lays them out, land in the library as ONE sweep group whose
 * axes are the parameters' dotted paths with each cell's values, and export as one labelled PNG.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, describe, expect, it } from 'vitest'
import { DEFAULT_PREVIEW, type ResultEvent } from '../../shared/api'
import { VALIDATORS } from '../../shared/api-validators'
import { LibrarySink } from '../library/keep'
import { Library } from '../library/library'
import { LibraryResultSink } from '../service/library-result-sink'
import { GenerationService } from '../service/service'
import { sourceWorkerFactory } from '../worker/spawn'
import { exportSweep } from './handlers'

const FIXTURES = join(__dirname, '../../../tools/fixtures/models')

const cleanups: Array<() => Promise<void> | void> = []
afterAll(async () => {
  for (const c of cleanups.reverse()) await c()
})

describe('a guidance sweep through the service', () => {
  it('expands Y x X row-major, stores one sweep group with both axes, and exports the grid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sweep-service-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const library = Library.open(dir)
    cleanups.push(() => library.close())
    const service = new GenerationService({
      workerFactory: sourceWorkerFactory,
      runner: 'fake',
      modelsDir: dir,
      defaultModel: 'fake',
      sink: new LibraryResultSink(new LibrarySink(library), dir),
      fake: { callMs: 1 }
    })
    cleanups.push(() => service.close())

    // Y = guidance rescale (rows), X = CFG (columns): the renderer sends [Y, X] so X varies fastest.
    const request = VALIDATORS['studio:generate']({
      params: { model: 'fake', prompt: 'a red fox', width: 64, height: 64, steps: 3, seed: '7' },
      preview: { mode: 'off', every: 1 },
      grid: { axes: [{ param: 'guidance.rescale', values: [0, 0.7] }, { param: 'cfg', values: [1, 4, 7] }] }
    })
    const results: ResultEvent[] = []
    service.on('studio:result', (r) => results.push(r))
    const { jobId } = service.generate({ ...request, preview: DEFAULT_PREVIEW })
    const state = await new Promise<string>((ok) => service.onJobFinished((i) => i.jobId === jobId && ok(i.state)))
    expect(state).toBe('completed')

    const byCell = results.sort((a, b) => a.cell - b.cell)
    expect(byCell.map((r) => [r.params.guidance.rescale, r.params.cfg])).toEqual([
      [0, 1],
      [0, 4],
      [0, 7],
      [0.7, 1],
      [0.7, 4],
      [0.7, 7]
    ])
    expect(byCell.every((r) => r.cells === 6)).toBe(true)

    const groups = library.listGroups()
    expect(groups).toHaveLength(1)
    expect(groups[0].kind).toBe('sweep')
    expect(groups[0].axes).toEqual([
      { name: 'guidance.rescale', values: [0, 0.7] },
      { name: 'cfg', values: [1, 4, 7] }
    ])
    const { cells } = library.groupCells(groups[0].id)
    expect(cells.map((c) => c.index)).toEqual([0, 1, 2, 3, 4, 5])
    expect(cells.map((c) => c.values)).toEqual(byCell.map((r) => ({ 'guidance.rescale': r.params.guidance.rescale, cfg: r.params.cfg })))
    expect(cells.map((c) => c.entry.id)).toEqual(byCell.map((r) => r.resultId))

    const out = await exportSweep(
      { title: 'a red fox', x: { label: 'CFG scale', values: ['1', '4', '7'] }, y: { label: 'Guidance rescale', values: ['0', '0.7'] }, cells: byCell.map((r) => r.resultId) },
      { readResult: (id) => service.sink.read(id), exportsDir: () => join(dir, 'exports') }
    )
    const meta = await sharp(out.data).metadata()
    expect([meta.width, meta.height]).toEqual([out.width, out.height])
    // Three 256 px columns and two 256 px rows (64 px cells enlarged 4x) plus labels.
    expect(out.width).toBeGreaterThan(3 * 256)
    expect(out.height).toBeGreaterThan(2 * 256)
    expect(out.path).toBe(join(dir, 'exports', out.fileName))
  })

  it('sweeps size and eta on the real ONNX fixture: cells of different sizes, each with its own eta', async () => {
    const service = new GenerationService({ workerFactory: sourceWorkerFactory, runner: 'onnx', modelsDir: FIXTURES, defaultModel: 'sd1-tiny' })
    cleanups.push(() => service.close())
    const request = VALIDATORS['studio:generate']({
      params: { prompt: 'a red fox', sampler: 'euler_ancestral', width: 64, height: 64, steps: 2, cfg: 1, seed: '3' },
      preview: { mode: 'off', every: 1 },
      grid: { axes: [{ param: 'width', values: [64, 96] }, { param: 'samplerOptions.eta', values: [0, 1] }] }
    })
    const results: ResultEvent[] = []
    service.on('studio:result', (r) => results.push(r))
    const { jobId } = service.generate(request)
    const state = await new Promise<string>((ok) => service.onJobFinished((i) => i.jobId === jobId && ok(i.state)))
    expect(state).toBe('completed')
    const byCell = results.sort((a, b) => a.cell - b.cell)
    expect(byCell.map((r) => [r.width, r.height, r.params.samplerOptions.eta])).toEqual([
      [64, 64, 0],
      [64, 64, 1],
      [96, 64, 0],
      [96, 64, 1]
    ])
    // Eta changes the image (ancestral noise), so the two cells of one size differ.
    const [a, b] = await Promise.all([service.sink.read(byCell[0].resultId), service.sink.read(byCell[1].resultId)])
    const [pa, pb] = await Promise.all([sharp(a!).raw().toBuffer(), sharp(b!).raw().toBuffer()])
    expect(pa.equals(pb)).toBe(false)
  })
})
