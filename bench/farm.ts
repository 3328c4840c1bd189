/**
 * `npm run -s bench -- farm`: the render farm against a local run of the same sweep. A throw-away
 * redis-server (append-only on) and 1, 2 and 3 render nodes in this process (each its own worker
 * thread, as `studio node` runs) serve a sweep of CELLS cells on the sd1-tiny fixture; the same sweep
 * runs locally as one batched grid job and as one job per cell (what a node does per cell). Queue
 * overhead per cell = (farm wall with 1 node − local one-job-per-cell wall) / cells: Redis round trips,
 * BullMQ bookkeeping, PNG transfer and landing. Environment: BENCH_FARM_CELLS (24), BENCH_FARM_STEPS (8).
 */
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { GridSpec } from '../src/shared/api'
import { VALIDATORS } from '../src/shared/api-validators'
import { FarmDispatcher } from '../src/main/farm/dispatcher'
import { RenderNode } from '../src/main/farm/node'
import { startRedis } from '../src/main/farm/test-support/redis-server'
import { GenerationService } from '../src/main/service/service'
import { sourceWorkerFactory } from '../src/main/worker/spawn'

const FIXTURE = resolve(import.meta.dirname, '../tools/fixtures/models/sd1-tiny')

async function runJob(s: GenerationService, seeds: string[], steps: number): Promise<number> {
  const grid: GridSpec | null = seeds.length > 1 ? { seeds } : null
  const req = VALIDATORS['studio:generate']({ params: { model: 'sd1-tiny', prompt: 'a blue square', width: 64, height: 64, steps, cfg: 5, seed: seeds[0] }, preview: { mode: 'off' }, grid })
  const t = performance.now()
  const { jobId } = s.generate(req)
  const state = await new Promise<string>((ok) => {
    const off = s.onJobFinished((i) => i.jobId === jobId && (off(), ok(i.state)))
  })
  if (state !== 'completed') throw new Error(`bench job ended ${state}`)
  return performance.now() - t
}

export async function benchFarm(): Promise<unknown> {
  const cells = Number(process.env.BENCH_FARM_CELLS ?? 24)
  const steps = Number(process.env.BENCH_FARM_STEPS ?? 8)
  const seeds = Array.from({ length: cells }, (_, i) => String(i + 1))
  const models = mkdtempSync(join(tmpdir(), 'sigma-bench-farm-'))
  symlinkSync(FIXTURE, join(models, 'sd1-tiny'))
  const redis = await startRedis()
  const out: Record<string, unknown> = { model: 'sd1-tiny (fixture)', cells, steps, size: '64x64', cpus: cpus().length }
  try {
    const local = new GenerationService({ workerFactory: sourceWorkerFactory, runner: 'onnx', modelsDir: models, defaultModel: 'sd1-tiny' })
    await runJob(local, seeds.slice(0, 2), steps) // warm: model loaded
    const gridMs = await runJob(local, seeds, steps)
    let perCellMs = 0
    for (const s of seeds) perCellMs += await runJob(local, [s], steps)
    await local.close()
    out.local = { gridCellsPerS: round(cells / (gridMs / 1000)), oneJobPerCellCellsPerS: round(cells / (perCellMs / 1000)), gridMs: round(gridMs), oneJobPerCellMs: round(perCellMs) }

    const farmRuns: Record<string, unknown> = {}
    let oneNodeMs = 0
    for (const n of [1, 2, 3]) {
      const nodes = await Promise.all(Array.from({ length: n }, (_, i) => RenderNode.start({ url: redis.url, modelsDir: models, name: `bench-${i}` })))
      const farm = new FarmDispatcher({ url: redis.url, modelsDir: models, pollMs: 1000 })
      const s = new GenerationService({ workerFactory: sourceWorkerFactory, runner: 'onnx', modelsDir: models, defaultModel: 'sd1-tiny', dispatcher: farm })
      await runJob(s, seeds.slice(0, 3 * n), steps) // warm every node's model
      const ms = await runJob(s, seeds, steps)
      if (n === 1) oneNodeMs = ms
      // Where a cell's time went, per landed cell (warm-up cells included), averaged.
      const p = farm.phases
      const per = (x: number): number => round(x / Math.max(1, p.cells))
      const perCell = { cells: p.cells, queuedMs: per(p.queuedMs), computeMs: per(p.computeMs), nodeExtraMs: per(p.nodeExtraMs), noticeMs: per(p.noticeMs), landMs: per(p.landMs) }
      farmRuns[`${n} node${n > 1 ? 's' : ''}`] = { cellsPerS: round(cells / (ms / 1000)), wallMs: round(ms), speedupVsOneNode: round(oneNodeMs / ms), perCell }
      await s.close()
      await Promise.all(nodes.map((x) => x.close()))
    }
    out.farm = farmRuns
    out.queueOverheadPerCellMs = round((oneNodeMs - perCellMs) / cells)
    out.note = 'nodes share this machine\'s CPU cores with each other (and with the studio), so more local nodes only help up to the core count; on separate machines each node brings its own.'
  } finally {
    await redis.stop()
    rmSync(models, { recursive: true, force: true })
  }
  return out
}

function round(x: number): number {
  return Math.round(x * 100) / 100
}
