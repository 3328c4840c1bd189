/**
 * The library the studio is using right now, switchable while it runs (the app's library-folder
 * setting), and the service's result sink in front of it.
 *
 * Switching never loses work: a job keeps saving into the library it started in (its gallery or sweep
 * group lives there), and the old library is closed only once its last job has ended and its last save
 * has settled. Jobs that start after the switch save into the new library.
 */
import { RequestError, type GridSpec } from '../../shared/api'
import { LibrarySink } from '../library/keep'
import { Library, type ReconcileReport } from '../library/library'
import { PresetStore } from '../presets/store'
import { freeBytes } from '../util/folders'
import { LibraryResultSink } from './library-result-sink'
import type { FinishedImage, ResultSink } from './result-sink'

interface Slot {
  library: Library
  sink: LibraryResultSink
  /** Jobs bound to this library and saves in flight: it stays open while either is above 0. */
  jobs: number
  saves: number
  retired: boolean
}

/** The error every library or preset call gives when the studio runs without a library. */
export function libraryOff(): RequestError {
  return new RequestError('library', 'the library is off in this run (started with --no-library or without a library folder): results are kept in memory only; restart without --no-library to browse, search and keep presets')
}

export class LibraryHolder implements ResultSink {
  private cur: Slot | null
  private readonly byJob = new Map<string, Slot>()
  private readonly retired = new Set<Slot>()
  private closed = false

  constructor(
    library: Library | null,
    private readonly modelsDir: string
  ) {
    this.cur = library ? this.slot(library) : null
  }

  private slot(library: Library): Slot {
    return { library, sink: new LibraryResultSink(new LibrarySink(library), this.modelsDir), jobs: 0, saves: 0, retired: false }
  }

  /** The library in use, or null when it is off. */
  get library(): Library | null {
    return this.cur?.library ?? null
  }

  /** The library in use; a RequestError saying the library is off otherwise. */
  require(): Library {
    if (!this.cur) throw libraryOff()
    return this.cur.library
  }

  /** The presets of the library in use (LIBRARY/presets, as the CLI uses them). */
  presets(): PresetStore {
    return new PresetStore(this.require().layout.presets)
  }

  /**
   * Opens the library in `dir` (creating it, then the start-up reconcile pass) and makes it the one new
   * results go to; the old one is closed once its running jobs are done. Throws (a LibraryError) when
   * the folder cannot be used, leaving the current library in place.
   */
  async switchTo(dir: string): Promise<ReconcileReport> {
    if (this.closed) throw new Error('the studio is shutting down')
    const { library, report } = await Library.start(dir)
    const old = this.cur
    this.cur = this.slot(library)
    if (old) {
      old.retired = true
      this.retired.add(old)
      this.closeIfIdle(old)
    }
    return report
  }

  private closeIfIdle(s: Slot): void {
    if (s.retired && s.jobs === 0 && s.saves === 0) {
      this.retired.delete(s)
      s.library.close()
    }
  }

  /** The library a job saves into: the one in use when its first cell (or its grid) began. */
  private bind(jobId: string): Slot {
    let s = this.byJob.get(jobId)
    if (!s) {
      if (!this.cur) throw libraryOff()
      s = this.cur
      s.jobs++
      this.byJob.set(jobId, s)
    }
    return s
  }

  //#region ResultSink

  beginGrid(jobId: string, grid: GridSpec): void {
    const s = this.bind(jobId)
    s.sink.beginGrid(jobId, grid)
  }

  endJob(jobId: string): void {
    const s = this.byJob.get(jobId)
    if (!s) return
    this.byJob.delete(jobId)
    s.sink.endJob(jobId)
    s.jobs--
    this.closeIfIdle(s)
  }

  async save(image: FinishedImage): Promise<string> {
    const s = this.bind(image.jobId)
    s.saves++
    try {
      return await s.sink.save(image)
    } finally {
      s.saves--
      this.closeIfIdle(s)
    }
  }

  async freeBytes(): Promise<number | null> {
    return this.cur ? freeBytes(this.cur.library.dir) : null
  }

  /** A result by id: from the library in use, else from one still open after a switch. */
  async read(resultId: string): Promise<Uint8Array | undefined> {
    for (const s of [this.cur, ...this.retired]) {
      if (!s) continue
      const data = await s.sink.read(resultId)
      if (data) return data
    }
    return undefined
  }

  //#endregion

  /** Closes every library (after the service has stopped, so no save is in flight). */
  close(): void {
    this.closed = true
    for (const s of [this.cur, ...this.retired]) s?.library.close()
    this.retired.clear()
  }
}
