/**
 * The sweep calls of the contract ('studio:sweep:export'), merged into the Studio's handlers. The
 * renderer names the cells by result id (already checked by VALIDATORS); their bytes come from the
 * studio's own result store, never from a path the renderer could choose. The composed PNG is written
 * atomically into the exports folder and also returned, so the page can offer it as a download.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import type { InvokeHandlers } from '../../shared/api'
import type { SweepExportRequest, SweepExportResult } from '../../shared/sweep-export'
import { writeFileAtomic } from '../util/atomic-write'
import { composeGridImage } from './grid-image'

export interface SweepHandlerOptions {
  /** The PNG bytes of a stored result, or undefined when the id is unknown. */
  readResult(resultId: string): Promise<Uint8Array | undefined>
  /**
   * Where exported grids are saved now; null = return the bytes only (no library). Asked at each export
   * because the library folder can be switched while the studio runs.
   */
  exportsDir(): string | null
}

/** "sweep-20261124-213012-3fa2.png": sortable by time, unique within a second. */
export function exportFileName(at: Date = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, '0')
  const stamp = `${at.getFullYear()}${p(at.getMonth() + 1)}${p(at.getDate())}-${p(at.getHours())}${p(at.getMinutes())}${p(at.getSeconds())}`
  return `sweep-${stamp}-${randomBytes(2).toString('hex')}.png`
}

/** Each cell's image bytes, or the word its grey box shows ("failed", "cancelled", "missing"). */
export function resolveCells(cells: SweepExportRequest['cells'], readResult: SweepHandlerOptions['readResult']): Promise<Array<Uint8Array | string>> {
  return Promise.all(
    cells.map(async (id) => {
      if (typeof id !== 'string') return id?.missing ?? 'failed'
      // A result dropped since (memory store full, deleted from the library) is shown, not fatal.
      return (await readResult(id).catch(() => undefined)) ?? 'missing'
    })
  )
}

export async function exportSweep(p: SweepExportRequest, opts: SweepHandlerOptions): Promise<SweepExportResult> {
  const cells = await resolveCells(p.cells, opts.readResult)
  const { png, width, height } = await composeGridImage({ title: p.title, x: p.x, y: p.y, cells })
  const fileName = exportFileName()
  let path: string | null = null
  const dir = opts.exportsDir()
  if (dir) {
    mkdirSync(dir, { recursive: true })
    path = join(dir, fileName)
    writeFileAtomic(path, png)
  }
  // A plain Uint8Array view: JSON transports would apply Buffer#toJSON before seeing the bytes.
  return { mime: 'image/png', data: new Uint8Array(png.buffer, png.byteOffset, png.byteLength), width, height, path, fileName }
}

export function sweepHandlers(opts: SweepHandlerOptions) {
  return {
    'studio:sweep:export': async (p) => exportSweep(p, opts)
  } satisfies Partial<InvokeHandlers>
}
