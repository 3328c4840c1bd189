/**
 * One generation worker thread on a render node: the desktop app's own worker (src/main/worker), run
 * one single-cell job at a time. The node keeps one slot per unit of --concurrency. Cancel works as in
 * the app: the job's serial goes into shared memory the worker checks before every model call. A worker
 * that dies is replaced for the next cell; the cell it was running is reported 'crashed' (retried).
 */
import type { Worker } from 'node:worker_threads'
import { CANCEL_SLOT, CONTROL_BYTES, type FromWorker, type WorkerInit, type WorkerJob } from '../worker/protocol'
import type { WorkerFactory } from '../worker/spawn'

export type SlotEnd = { status: 'completed' | 'cancelled' | 'failed'; timings: Extract<FromWorker, { type: 'done' }>['timings'] } | { status: 'crashed'; why: string }

interface Running {
  serial: number
  onMessage: (m: FromWorker) => void
  end: (e: SlotEnd) => void
}

export class WorkerSlot {
  private readonly control = new Int32Array(new SharedArrayBuffer(CONTROL_BYTES))
  private worker: { w: Worker; ready: Promise<void>; gone: boolean } | null = null
  private serial = 0
  private running: Running | null = null

  constructor(
    private readonly factory: WorkerFactory,
    private readonly init: Omit<WorkerInit, 'control'>
  ) {}

  get busy(): boolean {
    return this.running !== null
  }

  /** Runs one job; resolves when the worker says `done` (or dies). */
  async run(job: Omit<WorkerJob, 'serial'>, onMessage: (m: FromWorker) => void): Promise<SlotEnd> {
    if (this.running) throw new Error('this worker slot is already running a cell')
    const slot = this.ensure()
    const serial = ++this.serial
    const ended = new Promise<SlotEnd>((end) => (this.running = { serial, onMessage, end }))
    await slot.ready
    if (slot.gone) return ended // died while starting: `end` was called with 'crashed'
    slot.w.postMessage({ type: 'run', job: { ...job, serial } })
    return ended
  }

  /** Stops the running cell within one model call. */
  cancel(): void {
    const r = this.running
    if (!r) return
    Atomics.store(this.control, CANCEL_SLOT, r.serial)
    if (this.worker && !this.worker.gone) this.worker.w.postMessage({ type: 'cancel', serial: r.serial })
  }

  async close(): Promise<void> {
    const w = this.worker
    this.worker = null
    if (w && !w.gone) {
      w.gone = true
      await w.w.terminate()
    }
  }

  private ensure(): { w: Worker; ready: Promise<void>; gone: boolean } {
    if (this.worker && !this.worker.gone) return this.worker
    const w = this.factory({ ...this.init, control: this.control.buffer as SharedArrayBuffer })
    let markReady!: () => void
    const slot = { w, ready: new Promise<void>((ok) => (markReady = ok)), gone: false }
    w.on('message', (m: FromWorker) => {
      if (m.type === 'ready') return markReady()
      const r = this.running
      if (!r) return
      r.onMessage(m)
      if (m.type === 'done') {
        this.running = null
        r.end({ status: m.status, timings: m.timings })
      }
    })
    const died = (why: string): void => {
      if (slot.gone) return
      slot.gone = true
      if (this.worker === slot) this.worker = null
      markReady()
      const r = this.running
      this.running = null
      r?.end({ status: 'crashed', why })
    }
    w.on('error', (e) => died(`it threw: ${e.message}`))
    w.on('exit', (code) => died(`it exited with code ${code}`))
    this.worker = slot
    return slot
  }
}
