/**
 * Writes a file so that readers never see a partial one: write a temporary sibling, flush it to disk,
 * then rename it over the target (atomic on the same file system). On any error the temporary file is
 * removed and the target is left as it was.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { randomBytes } from 'node:crypto'

export function tempSiblingPath(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
}

export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  const tmp = tempSiblingPath(target)
  let fd: number | undefined
  try {
    fd = openSync(tmp, 'wx')
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
    let off = 0
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off)
    fsyncSync(fd)
    closeSync(fd)
    fd = undefined
    renameSync(tmp, target)
  } catch (e) {
    if (fd !== undefined) {
      try {
        closeSync(fd)
      } catch {
        /* already failing; keep the first error */
      }
    }
    rmSync(tmp, { force: true })
    throw e
  }
}
