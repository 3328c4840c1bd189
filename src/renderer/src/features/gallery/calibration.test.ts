/** The calibration actions against a scripted client: events that beat the call's answer, and outcomes. */
import { beforeEach, describe, expect, it } from 'vitest'
import type { EventName, Events } from '../../../../shared/api'
import { DEFAULT_CALIBRATION, type CalibrationEvent } from '../../../../shared/calibration'
import type { StudioClient } from '../../api'
import { initialGalleryState, useGalleryStore } from '../../store/gallery'
import { connectCalibrationEvents, startCalibration } from './calibration'

/** A client whose 'studio:calibrate' answers only when told, and whose events the test emits. */
function scripted(): { client: StudioClient; emit<E extends EventName>(name: E, payload: Events[E]): void; answer(jobId: string): void; fail(message: string): void } {
  const subs = new Map<string, Set<(p: unknown) => void>>()
  let settle: { ok: (v: { jobId: string }) => void; no: (e: Error) => void } | null = null
  const client = {
    transport: 'websocket',
    call: (name: string) => {
      if (name !== 'studio:calibrate') return Promise.reject(new Error(`unexpected call ${name}`))
      return new Promise((ok, no) => (settle = { ok, no }))
    },
    on: (name: string, cb: (p: unknown) => void) => {
      if (!subs.has(name)) subs.set(name, new Set())
      subs.get(name)!.add(cb)
      return () => subs.get(name)!.delete(cb)
    }
  } as unknown as StudioClient
  return {
    client,
    emit: (name, payload) => subs.get(name)?.forEach((cb) => cb(payload)),
    answer: (jobId) => settle!.ok({ jobId }),
    fail: (message) => settle!.no(new Error(message))
  }
}

const request = { model: 'm', ...DEFAULT_CALIBRATION }
const progress = (jobId: string, fraction: number): CalibrationEvent => ({ jobId, model: 'm', phase: 'progress', calls: 0, totalCalls: 10, fraction, trajectory: 1, trajectories: 8, elapsedMs: 5, remainingMs: 50 })
const cal = () => useGalleryStore.getState().calibration

describe('gallery calibration actions', () => {
  beforeEach(() => useGalleryStore.setState({ calibration: initialGalleryState.calibration }))

  it('replays events that arrived before the job id, ignores other jobs, and ends with the outcome', async () => {
    const s = scripted()
    const off = connectCalibrationEvents(s.client)
    const started = startCalibration(s.client, request)
    expect(cal().starting).toBe(true)
    s.emit('studio:calibration', progress('other', 0.9))
    s.emit('studio:calibration', progress('c1', 0.25))
    s.answer('c1')
    await started
    expect(cal()).toMatchObject({ starting: false, jobId: 'c1', progress: { fraction: 0.25 } })

    s.emit('studio:job', { jobId: 'c1', state: 'completed' })
    expect(cal()).toMatchObject({ jobId: null, progress: null, finished: 1, message: expect.stringMatching(/^Calibrated/) })
    off()
  })

  it('a calibration that finished before the answer is finished; a refused one says why', async () => {
    const s = scripted()
    const off = connectCalibrationEvents(s.client)
    const fast = startCalibration(s.client, request)
    s.emit('studio:error', { jobId: 'c2', cell: null, code: 'model-error', message: 'the model failed' })
    s.emit('studio:job', { jobId: 'c2', state: 'failed' })
    s.answer('c2')
    await fast
    expect(cal()).toMatchObject({ jobId: null, message: 'the model failed', finished: 1 })

    const refused = startCalibration(s.client, request)
    s.fail('model: no such model')
    await refused
    expect(cal()).toMatchObject({ starting: false, jobId: null, message: 'model: no such model' })
    off()
  })
})
