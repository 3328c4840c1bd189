/**
 * The studio's composition root for every host: the generation service (with its worker), the library
 * its results land in, and the full contract handlers. Electron (src/main/index.ts), the local web host
 * (src/main/web/serve.ts) and the browser tests all start a Studio, so they cannot drift apart in what
 * they wire up; the transports (IPC, WebSocket) see only {@link StudioApi}.
 *
 * Feature handler groups (generation, library, presets, settings, …) each live in their own module and
 * are merged here; `satisfies InvokeHandlers` makes a call missing from the merge a compile error.
 */
import type { EventName, Events, InvokeHandlers } from '../../shared/api'
import { LibrarySink } from '../library/keep'
import { Library, type ReconcileReport } from '../library/library'
import { LibraryResultSink } from './library-result-sink'
import { GenerationService, type ServiceOptions } from './service'

/** What a transport needs: the calls, the events, and result bytes (the web host's image route). */
export interface StudioApi {
  readonly handlers: InvokeHandlers
  onAny(cb: <E extends EventName>(name: E, payload: Events[E]) => void): () => void
  readResult(resultId: string): Promise<Uint8Array | undefined>
}

export interface StudioOptions extends Omit<ServiceOptions, 'sink'> {
  /** Where results are kept; null keeps them in memory only (tests, --no-library). */
  libraryDir: string | null
}

export class Studio implements StudioApi {
  readonly handlers: InvokeHandlers

  private constructor(
    readonly service: GenerationService,
    readonly library: Library | null,
    /** What the start-up reconcile pass found (null without a library). */
    readonly reconcile: ReconcileReport | null
  ) {
    this.handlers = {
      ...service.handlers
    } satisfies InvokeHandlers
  }

  static async start(opts: StudioOptions): Promise<Studio> {
    const { libraryDir, ...serviceOpts } = opts
    let library: Library | null = null
    let report: ReconcileReport | null = null
    if (libraryDir !== null) {
      const started = await Library.start(libraryDir)
      library = started.library
      report = started.report
    }
    const sink = library ? new LibraryResultSink(new LibrarySink(library), opts.modelsDir) : undefined
    return new Studio(new GenerationService({ ...serviceOpts, sink }), library, report)
  }

  onAny(cb: <E extends EventName>(name: E, payload: Events[E]) => void): () => void {
    return this.service.onAny(cb)
  }

  readResult(resultId: string): Promise<Uint8Array | undefined> {
    return this.service.sink.read(resultId)
  }

  /** Stops the worker (after the running job's saves) and closes the library. */
  async close(): Promise<void> {
    await this.service.close()
    this.library?.close()
  }
}
