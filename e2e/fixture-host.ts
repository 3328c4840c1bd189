/**
 * The local web host over the committed sd1-tiny fixture model, for browser tests. With `library`, results
 * go through the real library sink into a temporary library (the path the app uses); otherwise the
 * service keeps them in memory.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Library } from '../src/main/library/library'
import type { GenerationService } from '../src/main/service/service'
import { Studio } from '../src/main/service/studio'
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

export async function startFixtureHost(opts: { library?: boolean } = {}): Promise<FixtureHost> {
  if (!existsSync(join(OUT, 'renderer/index.html'))) throw new Error('out/renderer is missing: run "npm run build" first')
  if (!existsSync(join(FIXTURES, 'sd1-tiny/model_index.json'))) throw new Error(`the sd1-tiny fixture model is missing from ${FIXTURES}`)
  const libDir = opts.library ? mkdtempSync(join(tmpdir(), 'e2e-library-')) : null
  const studio = await Studio.start({ libraryDir: libDir, workerFactory: sourceWorkerFactory, runner: 'onnx', modelsDir: FIXTURES, defaultModel: 'sd1-tiny' })
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
