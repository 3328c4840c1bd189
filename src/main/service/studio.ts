/**
 * The studio's composition root for every host: the generation service (with its worker), the library
 * its results land in, and the full contract handlers. Electron (src/main/index.ts), the local web host
 * (src/main/web/serve.ts) and the browser tests all start a Studio, so they cannot drift apart in what
 * they wire up; the transports (IPC, WebSocket) see only {@link StudioApi}.
 *
 * Feature handler groups (generation, library, presets, settings, …) each live in their own module and
 * are merged here; `satisfies InvokeHandlers` makes a call missing from the merge a compile error.
 */
import { join } from 'node:path'
import type { EventName, Events, InvokeHandlers, LibraryReconcileEvent, ModelImportEvent } from '../../shared/api'
import { Library, type ReconcileReport } from '../library/library'
import { sweepHandlers } from '../sweep/handlers'
import { libraryHandlers } from './library-handlers'
import { LibraryHolder } from './library-holder'
import { presetHandlers } from './preset-handlers'
import { settingsHandlers, type SettingsContext } from './settings-handlers'
import { PromptTokenCounter, promptHandlers } from './prompt-handlers'
import { GenerationService, type ServiceOptions } from './service'
import { ModelManager, type ModelManagerOptions } from './model-manager'
import { watchReconcile } from './reconcile-progress'

/** What a transport needs: the calls, the events, and result bytes (the web host's image route). */
export interface StudioApi {
  readonly handlers: InvokeHandlers
  onAny(cb: <E extends EventName>(name: E, payload: Events[E]) => void): () => void
  readResult(resultId: string): Promise<Uint8Array | undefined>
}

export interface StudioOptions extends Omit<ServiceOptions, 'sink'> {
  /** Where results are kept; null keeps them in memory only (tests, --no-library). */
  libraryDir: string | null
  /**
   * Where libraryDir came from and where the app's settings file is (see src/main/settings); absent =
   * an explicit folder and no settings file (tests).
   */
  settings?: SettingsContext
  /**
   * The model manager's host-specific parts: the desktop app's file dialog (and importing only what it
   * picked), the app's own models folder, what chose the models folder, the importer's templates (tests).
   */
  /** Shows a file in the system's file manager (the desktop app); absent = the web host, which only says the path. */
  revealFile?: (file: string) => void
  modelManager?: Pick<ModelManagerOptions, 'pick' | 'onlyPicked' | 'builtInDir' | 'override' | 'templatesDir'>
}

export class Studio implements StudioApi {
  readonly handlers: InvokeHandlers
  /** The library's background reconcile pass, forwarded like the import progress. */
  private readonly reconcileListeners = new Set<(e: LibraryReconcileEvent) => void>()
  private readonly stopReconcileWatch: () => void

  private constructor(
    readonly service: GenerationService,
    /** The library in use, switchable from the settings view; also the service's result sink. */
    readonly libraries: LibraryHolder,
    /** What the start-up reconcile pass found (null without a library). */
    readonly reconcile: ReconcileReport | null,
    settings: SettingsContext,
    readonly modelManager: ModelManager,
    /** The model manager's import progress, forwarded to every transport with the service's events. */
    private readonly importListeners: Set<(e: ModelImportEvent) => void>,
    revealFile?: (file: string) => void
  ) {
    this.handlers = {
      ...service.handlers,
      ...modelManager.handlers,
      ...libraryHandlers(libraries, revealFile),
      ...presetHandlers(libraries),
      ...settingsHandlers(libraries, settings),
      ...promptHandlers(new PromptTokenCounter(service.models)),
      ...sweepHandlers({
        readResult: (id) => service.sink.read(id),
        exportsDir: () => (libraries.library ? join(libraries.library.dir, 'exports') : null)
      })
    } satisfies InvokeHandlers
    this.stopReconcileWatch = watchReconcile(
      () => libraries.library,
      (e) => this.reconcileListeners.forEach((l) => l(e))
    )
  }

  static async start(opts: StudioOptions): Promise<Studio> {
    const { libraryDir, settings: settingsOpt, modelManager: mm, revealFile, ...serviceOpts } = opts
    let library: Library | null = null
    let report: ReconcileReport | null = null
    if (libraryDir !== null) {
      const started = await Library.start(libraryDir)
      library = started.library
      report = started.report
    }
    const libraries = new LibraryHolder(library, opts.modelsDir)
    const sink = library ? libraries : undefined
    // Calibrated score-optimal profiles live beside the images (where `studio evaluate schedules` keeps
    // them), in whichever library is in use now.
    const cacheDir = serviceOpts.cacheDir ?? ((): string | undefined => (libraries.library ? join(libraries.library.dir, 'score-optimal') : undefined))
    const settings: SettingsContext = settingsOpt ?? { file: null, source: libraryDir !== null ? 'option' : 'off', override: null }
    const service = new GenerationService({ ...serviceOpts, sink, cacheDir })
    const importListeners = new Set<(e: ModelImportEvent) => void>()
    const manager = new ModelManager({
      builtInDir: serviceOpts.modelsDir,
      ...mm,
      modelsDir: serviceOpts.modelsDir,
      defaultModel: serviceOpts.defaultModel,
      protectedPaths: serviceOpts.protectedModels,
      settingsFile: settings.file,
      modelsInUse: async () => {
        const q = await service.handlers['studio:queue:get']()
        return new Set([q.running, ...q.waiting].flatMap((j) => (j ? [j.model] : [])))
      },
      emit: (e) => importListeners.forEach((l) => l(e))
    })
    return new Studio(service, libraries, report, settings, manager, importListeners, revealFile)
  }

  /** The library in use now (null when the library is off). */
  get library(): Library | null {
    return this.libraries.library
  }

  onAny(cb: <E extends EventName>(name: E, payload: Events[E]) => void): () => void {
    const off = this.service.onAny(cb)
    const l = (e: ModelImportEvent): void => {
      try {
        cb('studio:models:import', e)
      } catch (err) {
        console.error('studio: a studio:models:import listener failed:', err)
      }
    }
    this.importListeners.add(l)
    const r = (e: LibraryReconcileEvent): void => {
      try {
        cb('studio:library:reconcile', e)
      } catch (err) {
        console.error('studio: a studio:library:reconcile listener failed:', err)
      }
    }
    this.reconcileListeners.add(r)
    return () => {
      off()
      this.importListeners.delete(l)
      this.reconcileListeners.delete(r)
    }
  }

  readResult(resultId: string): Promise<Uint8Array | undefined> {
    return this.service.sink.read(resultId)
  }

  /** Stops the worker (after the running job's saves) and closes the library. */
  async close(): Promise<void> {
    this.modelManager.cancelAll()
    this.stopReconcileWatch()
    await this.service.close()
    this.libraries.close()
  }
}
