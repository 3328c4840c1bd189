/**
 * File-level helpers of the library: durable writes, the scan of images/ and thumbs/, temp-file
 * recognition, thumbnails.
 */
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { writeFileAtomic } from '../util/atomic-write'

export const THUMB_SIZE = 256
export const THUMB_EXT = '.webp'

/** Our file names: ids are letters, digits, "-" and "_". */
export const IMAGE_FILE = /^([A-Za-z0-9_-]{1,64})\.png$/
/**
 * An id the library itself made (newEntryId: UTC time and 4 random bytes). Reconcile moves or deletes
 * only files that are recorded in the index or named this way: a folder may also hold the user's own
 * files (a library chosen inside ~/Pictures), and those are never the library's to clean up.
 */
export const OWN_ID = /^\d{8}-\d{6}-\d{3}-[0-9a-f]{8}$/
/** The library's own thumbnail of an image it made. */
export const OWN_THUMB = /^(\d{8}-\d{6}-\d{3}-[0-9a-f]{8})\.webp$/

/** A temporary sibling written by writeFileAtomic: ".<name>.<pid>.<8 hex>.tmp". */
export const TEMP_FILE = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/
/** A file renamed aside by delete() before its row goes. */
export const DELETING_FILE = /^([A-Za-z0-9_-]{1,64})\.png\.deleting$/

/** Flushes a directory so a rename inside it survives a power cut (a no-op where unsupported). */
export function fsyncDir(dir: string): void {
  let fd: number | undefined
  try {
    fd = openSync(dir, 'r')
    fsyncSync(fd)
  } catch {
    /* Windows cannot open directories; the rename is still atomic there */
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

/** writeFileAtomic (temp sibling, fsync, rename) plus a flush of the directory entry. */
export function writeDurable(target: string, data: Uint8Array | string, dir: string): void {
  writeFileAtomic(target, data)
  fsyncDir(dir)
}

export interface ScannedFile {
  /** Path relative to the library folder, "/"-separated. */
  rel: string
  abs: string
  name: string
}

export interface Scan {
  pngs: ScannedFile[]
  temps: ScannedFile[]
  deleting: ScannedFile[]
}

/** Walks a folder tree (images/YYYY/MM) and sorts what it finds. */
export function scanTree(root: string, relRoot: string): Scan {
  const out: Scan = { pngs: [], temps: [], deleting: [] }
  const walk = (abs: string, rel: string, depth: number): void => {
    let names: string[]
    try {
      names = readdirSync(abs)
    } catch {
      return
    }
    for (const name of names) {
      const a = join(abs, name)
      const r = `${rel}/${name}`
      let isDir = false
      try {
        isDir = statSync(a).isDirectory()
      } catch {
        continue // vanished while we looked
      }
      if (isDir) {
        if (depth < 4) walk(a, r, depth + 1)
        continue
      }
      const f = { rel: r, abs: a, name }
      if (IMAGE_FILE.test(name)) out.pngs.push(f)
      else if (TEMP_FILE.test(name)) out.temps.push(f)
      else if (DELETING_FILE.test(name)) out.deleting.push(f)
    }
  }
  if (existsSync(root)) walk(root, relRoot, 0)
  return out
}

/** True when a process with that id is running (EPERM means it exists but is not ours). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** A 256-px (longest side) WebP thumbnail of a PNG. */
export async function makeThumbnail(png: Uint8Array): Promise<Buffer> {
  return sharp(png).resize(THUMB_SIZE, THUMB_SIZE, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 80 }).toBuffer()
}

export interface RawPixels {
  data: Uint8Array
  width: number
  height: number
  /** 3 (RGB) or 4 (RGBA). */
  channels: 3 | 4
}

/** Encodes raw 8-bit pixels as a PNG. */
export async function encodePng(px: RawPixels): Promise<Buffer> {
  return sharp(Buffer.from(px.data.buffer, px.data.byteOffset, px.data.byteLength), { raw: { width: px.width, height: px.height, channels: px.channels } })
    .png({ compressionLevel: 6 })
    .toBuffer()
}
