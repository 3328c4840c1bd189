/**
 * Where finished images go: the library (LibraryResultSink, src/main/service/library-result-sink.ts)
 * in the app, or memory for tests and the --fake stand-in. The service hands every finished cell to
 * the sink and serves the stored image back to the renderer by id.
 */
import { randomBytes } from 'node:crypto'
import type { GridSpec } from '../../shared/api'
import type { CellResult } from '../worker/protocol'

/**
 * A finished cell on its way to the sink: what the worker reported (see src/main/worker/protocol.ts),
 * and the job's init image and mask (encoded, as the request carried them) for sinks that keep them.
 */
export type FinishedImage = CellResult & { inputs?: { init?: Uint8Array; mask?: Uint8Array } }

export interface ResultSink {
  /** A grid job (gallery or sweep) is starting: its cells belong together. Optional. */
  beginGrid?(jobId: string, grid: GridSpec): void
  /** The job is over (its cells may still be saving before this; called after the last save). */
  endJob?(jobId: string): void
  /** Stores the image; returns the id the renderer uses to fetch it. */
  save(image: FinishedImage): Promise<string>
  /** Free bytes where results are stored (null when unknown; absent for sinks that keep them in memory). */
  freeBytes?(): Promise<number | null>
  /** The PNG bytes of a stored result, or undefined if the id is unknown. */
  read(resultId: string): Promise<Uint8Array | undefined>
}

/** Keeps the last `capacity` results in memory (oldest dropped first). */
export class MemoryResultSink implements ResultSink {
  private readonly images = new Map<string, FinishedImage>()

  constructor(private readonly capacity = 128) {}

  async save(image: FinishedImage): Promise<string> {
    const id = `r${randomBytes(9).toString('base64url')}`
    this.images.set(id, image)
    while (this.images.size > this.capacity) this.images.delete(this.images.keys().next().value as string)
    return id
  }

  async read(resultId: string): Promise<Uint8Array | undefined> {
    return this.images.get(resultId)?.png
  }

  get(resultId: string): FinishedImage | undefined {
    return this.images.get(resultId)
  }
}
