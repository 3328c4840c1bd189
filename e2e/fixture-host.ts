/**
 * The local web host over the committed sd1-tiny fixture model, for browser tests. With `library`, results
 * go through the real library sink into a temporary library (the path the app uses); otherwise the
 * service keeps them in memory.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LibrarySink } from '../src/main/library/keep'
import { Library } from '../src/main/library/library'
import { LibraryResultSink } from '../src/main/service/library-result-sink'
import { GenerationService } from '../src/main/service/service'
import { startWebHost, type WebHost } from '../src/main/web/host'
import { sourceWorkerFactory } from '../src/main/worker/spawn'
import { OUT, ROOT } from './paths'

export const FIXTURES = join(ROOT, 'tools/fixtures/models')

export interface FixtureHost {
  service: GenerationService
  host: WebHost
  library: Library | null
  close(): Promise<void>
}

export async function startFixtureHost(opts: { library?: boolean } = {}): Promise<FixtureHost> {
  if (!existsSync(join(OUT, 'renderer/index.html'))) throw new Error('out/renderer is missing: run "npm run build" first')
  if (!existsSync(join(FIXTURES, 'sd1-tiny/model_index.json'))) throw new Error(`the sd1-tiny fixture model is missing from ${FIXTURES}`)
  const libDir = opts.library ? mkdtempSync(join(tmpdir(), 'e2e-library-')) : null
  const library = libDir ? Library.open(libDir) : null
  const sink = library ? new LibraryResultSink(new LibrarySink(library), FIXTURES) : undefined
  const service = new GenerationService({ sink, workerFactory: sourceWorkerFactory, runner: 'onnx', modelsDir: FIXTURES, defaultModel: 'sd1-tiny' })
  const host = await startWebHost({ service, rendererDir: join(OUT, 'renderer') })
  return {
    service,
    host,
    library,
    async close() {
      await host.close()
      await service.close()
      library?.close()
      if (libDir) rmSync(libDir, { recursive: true, force: true })
    }
  }
}
