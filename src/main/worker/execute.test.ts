/**
 * The job executor in-process (no thread): cancellation through the shared flag alone — the path that
 * works while the worker's event loop is blocked inside a synchronous model run — and through the
 * cancel message; the model stays warm between jobs.
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_PREVIEW } from '../../shared/api'
import { validateGenerationParams } from '../../shared/params'
import { CANCEL_SLOT, CONTROL_BYTES, type FromWorker, type WorkerJob } from './protocol'
import { JobExecutor } from './execute'
import { createFakeRunner } from './fake-runner'

function job(serial: number): WorkerJob {
  return {
    jobId: `job${serial}`,
    serial,
    cells: [validateGenerationParams({ model: 'fake', prompt: 'p', steps: 10, cfg: 1, width: 64, height: 64 })],
    preview: DEFAULT_PREVIEW,
    batchCells: false
  }
}

describe('JobExecutor', () => {
  it('stops before the next model call once the shared flag names the job (no message needed)', async () => {
    const control = new Int32Array(new SharedArrayBuffer(CONTROL_BYTES))
    const seen: FromWorker[] = []
    const exec = new JobExecutor(createFakeRunner({ callMs: 2 }), control, (m) => {
      seen.push(m)
      // As the service does from the main thread while the worker is busy: only the flag is written.
      if (m.type === 'step' && m.step === 3) Atomics.store(control, CANCEL_SLOT, 1)
    })
    await exec.run(job(1))
    const done = seen.find((m) => m.type === 'done')
    expect(done).toMatchObject({ status: 'cancelled', timings: { modelCalls: 3 } })
    expect(seen.filter((m) => m.type === 'step')).toHaveLength(3)
    expect(seen.some((m) => m.type === 'result')).toBe(false)

    // A later job with another serial is unaffected by the stale flag, and the model stayed loaded.
    seen.length = 0
    await exec.run(job(2))
    expect(seen.find((m) => m.type === 'done')).toMatchObject({ status: 'completed', timings: { modelCalls: 10, loadMs: 0 } })
  })

  it('stops on the cancel message too', async () => {
    const control = new Int32Array(new SharedArrayBuffer(CONTROL_BYTES))
    const seen: FromWorker[] = []
    const exec: JobExecutor = new JobExecutor(createFakeRunner(), control, (m) => {
      seen.push(m)
      if (m.type === 'step' && m.step === 2) exec.cancel(5)
    })
    await exec.run(job(5))
    expect(seen.find((m) => m.type === 'done')).toMatchObject({ status: 'cancelled', timings: { modelCalls: 2 } })
  })
})
