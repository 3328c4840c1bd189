/**
 * Score-optimal calibration from the app, against the real worker on the committed sd1-tiny fixture:
 * a queued job with progress events, cancellable, that caches its profile where `studio evaluate
 * schedules` keeps them; later `score_optimal` generations on that model report that they used it.
 * Calibration settings are kept tiny so each run takes well under a second.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RequestError, type ErrorEvent, type GenerateRequest, type ResultEvent } from '../../shared/api'
import { VALIDATORS } from '../../shared/api-validators'
import type { CalibrationEvent } from '../../shared/calibration'
import { validateGenerationParams } from '../../shared/params'
import { validateProfile } from '../engine/score-optimal/profile'
import { main as studioCli } from '../cli/studio'
import { sourceWorkerFactory } from '../worker/spawn'
import { dispatch } from './dispatch'
import { GenerationService, type FinishedJobInfo } from './service'
import { Studio } from './studio'

const FIXTURES = resolve(__dirname, '../../../tools/fixtures/models')
let dir: string
let cacheDir: string
let service: GenerationService

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sigma-calibrate-'))
  symlinkSync(join(FIXTURES, 'sd1-tiny'), join(dir, 'sd1-tiny'))
  cacheDir = join(dir, 'library', 'score-optimal')
  service = new GenerationService({ workerFactory: sourceWorkerFactory, runner: 'onnx', modelsDir: dir, defaultModel: 'sd1-tiny', cacheDir })
})
afterAll(async () => {
  await service?.close()
  rmSync(dir, { recursive: true, force: true })
})

function finished(jobId: string): Promise<FinishedJobInfo> {
  return new Promise((ok) => {
    const off = service.onJobFinished((i) => i.jobId === jobId && (off(), ok(i)))
  })
}

function watch(): { calibration: CalibrationEvent[]; errors: ErrorEvent[]; results: ResultEvent[]; stop: () => void } {
  const w = { calibration: [] as CalibrationEvent[], errors: [] as ErrorEvent[], results: [] as ResultEvent[], stop: () => {} }
  const offs = [
    service.on('studio:calibration', (e) => w.calibration.push(e)),
    service.on('studio:error', (e) => w.errors.push(e)),
    service.on('studio:result', (r) => w.results.push(r))
  ]
  w.stop = () => offs.forEach((off) => off())
  return w
}

async function generate(schedule: string): Promise<ResultEvent> {
  const w = watch()
  const req: GenerateRequest = {
    params: validateGenerationParams({ model: 'sd1-tiny', prompt: 'a blue square', width: 64, height: 64, steps: 6, cfg: 5, schedule }),
    preview: { mode: 'off', every: 1 },
    grid: null
  }
  const { jobId } = service.generate(req)
  expect((await finished(jobId)).state).toBe('completed')
  w.stop()
  expect(w.errors).toEqual([])
  return w.results[0]
}

const cacheFiles = (): string[] => (existsSync(cacheDir) ? readdirSync(cacheDir).filter((n) => n.endsWith('.json')) : [])

describe('score-optimal calibration from the service (real worker, sd1-tiny)', () => {
  it('validates the request at the boundary, naming the field', () => {
    const field = (raw: unknown): string | undefined => {
      try {
        VALIDATORS['studio:calibrate'](raw)
      } catch (e) {
        if (e instanceof RequestError) return e.field
        throw e
      }
      return undefined
    }
    expect(field({ trajectories: 0 })).toBe('trajectories')
    expect(field({ intervals: 1.5 })).toBe('intervals')
    expect(field({ width: 100 })).toBe('width')
    expect(field({ steps: 3 })).toBe('steps')
    expect(VALIDATORS['studio:calibrate']({})).toMatchObject({ model: '', trajectories: expect.any(Number), intervals: expect.any(Number) })
  })

  it('uses the fallback before, and the calibrated profile after, a calibration with progress that caches its profile', async () => {
    const before = await generate('score_optimal')
    expect(before.scoreOptimal).toEqual({ profile: 'fallback' })
    expect(cacheFiles()).toEqual([])

    const w = watch()
    const { jobId } = service.calibrate(VALIDATORS['studio:calibrate']({ model: 'sd1-tiny', width: 64, height: 64, cfg: 5, trajectories: 2, intervals: 12 }))
    expect(service.queue().running).toMatchObject({ jobId, kind: 'calibrate' })
    const info = await finished(jobId)
    w.stop()
    expect(w.errors).toEqual([])
    expect(info.state).toBe('completed')

    const progress = w.calibration.filter((e) => e.phase === 'progress')
    expect(progress.length).toBeGreaterThan(0)
    for (let i = 1; i < progress.length; i++) expect(progress[i].calls).toBeGreaterThanOrEqual(progress[i - 1].calls)
    const done = w.calibration.filter((e) => e.phase === 'done')
    expect(done).toHaveLength(1)
    expect(done[0]).toMatchObject({ jobId, model: 'sd1-tiny', fraction: 1, profile: { cfg: 5, width: 64, height: 64, trajectories: 2, intervals: 12 } })
    // Every model call of the job was one of the estimator's.
    expect(info.timings!.modelCalls).toBe(done[0].totalCalls)

    const id = done[0].profile!.id
    expect(cacheFiles()).toEqual([`${id}.json`])
    const profile = validateProfile(JSON.parse(readFileSync(join(cacheDir, `${id}.json`), 'utf8')))
    expect(profile.M).toBe(12)
    expect(profile.K).toBe(2)
    expect((await service.handlers['studio:calibration:list']({ model: 'sd1-tiny' })).profiles.map((p) => p.id)).toEqual([id])

    const after = await generate('score_optimal')
    expect(after.scoreOptimal).toEqual({ profile: 'calibrated', id, calibratedCfg: 5, calibratedSize: '64x64' })
    // The profile really made the sigmas: same seed and settings, another image than the fallback's.
    const image = async (r: ResultEvent): Promise<string> => Buffer.from((await service.sink.read(r.resultId))!).toString('hex')
    expect(await image(after)).not.toBe(await image(before))
    // Other schedules say nothing about profiles.
    expect((await generate('karras')).scoreOptimal).toBeUndefined()
  })

  it('shares its cache with `studio evaluate schedules`: the CLI finds the profile the app calibrated', async () => {
    const w = watch()
    // The CLI's defaults (prompt, the model's CFG and size) with small estimator settings.
    const { jobId } = service.calibrate(VALIDATORS['studio:calibrate']({ model: 'sd1-tiny', trajectories: 1, intervals: 16 }))
    expect((await finished(jobId)).state).toBe('completed')
    w.stop()
    const id = w.calibration.find((e) => e.phase === 'done')!.profile!.id
    const err: string[] = []
    const argv = ['evaluate', 'schedules', '--model', join(FIXTURES, 'sd1-tiny'), '--steps', '2', '--seeds', '1', '--samplers', 'euler', '--trajectories', '1', '--intervals', '16', '--library', join(dir, 'library')]
    expect(await studioCli(argv, { out: () => {}, err: (l) => err.push(l) })).toBe(0)
    expect(err).toContain(`note: score_optimal profile from ${join(cacheDir, `${id}.json`)}`)
  }, 60_000)

  it('fails a calibration of a missing model with a structured error, and runs the next job', async () => {
    const w = watch()
    const { jobId } = service.calibrate(VALIDATORS['studio:calibrate']({ model: 'no-such-model', trajectories: 1, intervals: 4 }))
    expect((await finished(jobId)).state).toBe('failed')
    w.stop()
    expect(w.errors).toEqual([expect.objectContaining({ jobId, code: 'model-not-found', message: expect.stringMatching(/no-such-model/) })])
    expect((await service.handlers['studio:calibration:list']({ model: 'no-such-model' })).profiles).toEqual([])
    expect((await generate('karras')).width).toBe(64)
  })

  it('cancels a running calibration within a model call; nothing is cached and the next job runs', async () => {
    const filesBefore = cacheFiles()
    const w = watch()
    // Large enough to take many seconds on the tiny model, so it is surely still running when cancelled.
    const { jobId } = service.calibrate(VALIDATORS['studio:calibrate']({ model: 'sd1-tiny', width: 64, height: 64, trajectories: 64, intervals: 400 }))
    await new Promise<void>((ok) => {
      const off = service.on('studio:calibration', (e) => e.jobId === jobId && e.calls > 0 && (off(), ok()))
    })
    expect(service.cancel(jobId)).toBe(true)
    const info = await finished(jobId)
    w.stop()
    expect(info.state).toBe('cancelled')
    // Stopped within a call: the job did not run on to the end (latency figures: `npm run -s bench -- pipeline`).
    expect(w.calibration.filter((e) => e.phase === 'done')).toEqual([])
    expect(w.calibration.at(-1)!.calls).toBeLessThan(w.calibration.at(-1)!.totalCalls)
    expect(cacheFiles()).toEqual(filesBefore)
    expect((await generate('karras')).width).toBe(64)
  })
})

describe('the composition root', () => {
  it("caches calibrations in the library's score-optimal folder", async () => {
    const lib = join(dir, 'studio-library')
    const studio = await Studio.start({ libraryDir: lib, workerFactory: sourceWorkerFactory, runner: 'onnx', modelsDir: dir, defaultModel: 'sd1-tiny' })
    try {
      const r = await dispatch(studio.handlers, 'studio:calibrate', { trajectories: 1, intervals: 4 })
      if (!r.ok) throw new Error(r.error.message)
      const { jobId } = r.value as { jobId: string }
      const info = await new Promise<FinishedJobInfo>((ok) => {
        const off = studio.service.onJobFinished((i) => i.jobId === jobId && (off(), ok(i)))
      })
      expect(info.state).toBe('completed')
      expect(readdirSync(join(lib, 'score-optimal')).filter((n) => n.endsWith('.json'))).toHaveLength(1)
    } finally {
      await studio.close()
    }
  })
})
