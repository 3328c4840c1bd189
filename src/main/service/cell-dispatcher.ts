/**
 * The one seam through which a generation job's cells can run somewhere other than this process's
 * worker thread (the render farm, src/main/farm). The service hands a dispatcher the very WorkerJob it
 * would post to its worker, and the dispatcher reports back with the worker's own messages, so progress,
 * previews, results (into the library) and the job's end go through the same code for local and remote
 * cells. The service knows only this interface; the farm depends on the service, never the reverse.
 */
import type { FromWorker, WorkerJob } from '../worker/protocol'

/** A worker message about a job; for 'result' the service returns the save, so a dispatcher can wait until the image has landed. */
export type DispatchReport = (m: Exclude<FromWorker, { type: 'ready' }>) => Promise<void> | void

export interface CellDispatcher {
  /** Shown in logs and errors, e.g. "farm redis://host:6379". */
  readonly label: string
  /** Runs the job's cells; must end with exactly one 'done' report, as the worker does. */
  run(job: WorkerJob, report: DispatchReport): void
  /** Stops the job: cells not started are dropped, running ones stop within one model call. */
  cancel(jobId: string): void
  close(): Promise<void>
}
