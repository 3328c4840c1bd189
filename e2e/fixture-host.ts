/**
 * The local web host over the committed sd1-tiny fixture model, for browser tests. With `library`, results
 * go through the real library sink into a temporary library (the path the app uses); otherwise the
 * service keeps them in memory.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { isAbsolute, join } from 'node:path'
import type { Library } from '../src/main/library/library'
import type { GenerationService } from '../src/main/service/service'
import { Studio, type StudioOptions } from '../src/main/service/studio'
import { startWebHost, type WebHost } from '../src/main/web/host'
import { sourceWorkerFactory } from '../src/main/worker/spawn'
import { OUT, ROOT } from './paths'

export const FIXTURES = join(ROOT, 'tools/fixtures/models')

export interface FixtureHost {
  studio: Studio
  service: GenerationService
  host: WebHost
  library: Library | null
  close(): Promise<void>
}

export interface FixtureHostOptions {
  /** Keep results in a temporary library (the app's path) rather than in memory. */
  library?: boolean
  /** Another models folder and default model (default: the fixtures and sd1-tiny). */
  modelsDir?: string
  defaultModel?: string
  /** The model manager's host parts (the importer's templates: the tiny ones for the fixture checkpoints). */
  modelManager?: StudioOptions['modelManager']
  protectedModels?: string[]
}

export async function startFixtureHost(opts: FixtureHostOptions = {}): Promise<FixtureHost> {
  const modelsDir = opts.modelsDir ?? FIXTURES
  const defaultModel = opts.defaultModel ?? 'sd1-tiny'
  if (!existsSync(join(OUT, 'renderer/index.html'))) throw new Error('out/renderer is missing: run "npm run build" first')
  if (!existsSync(join(isAbsolute(defaultModel) ? defaultModel : join(modelsDir, defaultModel), 'model_index.json'))) throw new Error(`the ${defaultModel} model is missing from ${modelsDir}`)
  const libDir = opts.library ? mkdtempSync(join(tmpdir(), 'e2e-library-')) : null
  const studio = await Studio.start({ libraryDir: libDir, workerFactory: sourceWorkerFactory, runner: 'onnx', modelsDir, defaultModel, modelManager: opts.modelManager, protectedModels: opts.protectedModels })
  const host = await startWebHost({ api: studio, rendererDir: join(OUT, 'renderer') })
  return {
    studio,
    service: studio.service,
    host,
    library: studio.library,
    async close() {
      await host.close()
      await studio.close()
      if (libDir) rmSync(libDir, { recursive: true, force: true })
    }
  }
}
