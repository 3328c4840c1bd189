/**
 * Where finished images go. The library (src/main/library) will provide the real sink that writes
 * PNG files with metadata and indexes them; until then the service keeps recent results in memory and
 * serves them to the renderer by id.
 */
import { randomBytes } from 'node:crypto'
import type { CellTimings } from '../../shared/api'
import type { GenerationParams } from '../../shared/params'

export interface FinishedImage {
  jobId: string
  cell: number
  /** PNG bytes (pixels only; the sink adds metadata when it stores the file). */
  png: Uint8Array
  width: number
  height: number
  params: GenerationParams
  timings: CellTimings
}

export interface ResultSink {
  /** Stores the image; returns the id the renderer uses to fetch it. */
  save(image: FinishedImage): Promise<string>
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
