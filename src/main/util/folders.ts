/**
 * Checking and making a folder the user chose (the library folder) without trusting the path.
 *
 * Node's own recursive mkdir loops forever under /proc on Node 20 (both the sync and the promise form:
 * mkdir there answers ENOENT for every level), which hung the whole host when a library folder was
 * set to /proc/nope/lib. So folders are made one level at a time by our own bounded loop, and a path
 * is refused before anything is made when it lies on a kernel file system (proc, sysfs, devpts…) or
 * when a file is in the way; checkFreeSpace refuses a full disk.
 */
import { mkdirSync, statfsSync, statSync } from 'node:fs'
import { mkdir, statfs, stat } from 'node:fs/promises'
import { dirname, parse, resolve } from 'node:path'

/** Kernel file systems by statfs magic number: nothing a user keeps pictures on. */
const SPECIAL_FS = new Map<number, string>([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x1cd1, 'devpts'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0xcafe4a11, 'bpf'],
  [0x6165676c, 'pstore'],
  [0x62656570, 'configfs'],
  [0x65735543, 'fusectl'],
  [0x19800202, 'mqueue'],
  [0x42494e4d, 'binfmt_misc'],
  [0xde5e81e4, 'efivarfs'],
  [0xf97cff8c, 'selinuxfs'],
  [0x6e736673, 'nsfs']
])
/** Linux trees that belong to the kernel and devices, whatever file system they are on. */
const SPECIAL_TREES = ['/proc', '/sys', '/dev']

/** Less free space than this and a folder is refused as the new library: a few jobs would not fit. */
export const MIN_FREE_BYTES = 64 * 1024 * 1024

/** Most levels our mkdir creates for one path (a sane folder is never this deep below what exists). */
const MAX_NEW_LEVELS = 32

export class FolderError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'FolderError'
  }
}

export function formatBytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(1)} GB`
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(0)} MB`
  return `${Math.max(0, Math.round(n / 1024))} KB`
}

interface Probe {
  /** The deepest part of the path that exists (a directory). */
  existing: string
  /** The levels still to make, outermost first. */
  missing: string[]
}

function underSpecialTree(dir: string): string | null {
  if (process.platform !== 'linux') return null
  return SPECIAL_TREES.find((t) => dir === t || dir.startsWith(`${t}/`)) ?? null
}

function refusalFor(dir: string, fs: { type: number } | null): string | null {
  const special = fs ? SPECIAL_FS.get(fs.type) : undefined
  if (special) return `${dir} is on the kernel's ${special} file system, which cannot hold files; choose a folder on a disk, such as one in your home folder`
  return null
}

/**
 * Refuses a folder whose disk has less than MIN_FREE_BYTES free (check after a write proved the disk
 * is writable: a read-only disk also reports 0 free, and "read-only" is the better message there).
 */
export async function checkFreeSpace(dir: string): Promise<void> {
  const free = await freeBytes(dir)
  if (free !== null && free < MIN_FREE_BYTES) throw new FolderError(`the disk holding ${dir} is full (${formatBytes(free)} free); free some space or choose a folder on another disk`)
}

/** Why a folder can never be used (a kernel file system such as /proc), or null; checks only the path. */
export function startProblem(dir: string): string | null {
  const tree = underSpecialTree(dir)
  if (tree) return `${dir} is inside ${tree}, which belongs to the system and cannot hold files; choose a folder on a disk, such as one in your home folder`
  return null
}

/** What exists of the path and what is still to make; a FolderError when a file is in the way. */
function walkUp(dir: string, exists: (p: string) => 'dir' | 'other' | 'none'): Probe {
  const missing: string[] = []
  let p = dir
  const root = parse(dir).root
  for (;;) {
    const kind = exists(p)
    if (kind === 'dir') return { existing: p, missing }
    if (kind === 'other') throw new FolderError(`${p} is a file, not a folder; choose a folder path where nothing else is in the way`)
    if (p === root) throw new FolderError(`${dir}: no part of this path exists; give the full path of a folder`)
    missing.unshift(p)
    if (missing.length > MAX_NEW_LEVELS) throw new FolderError(`${dir} is more than ${MAX_NEW_LEVELS} new folders deep; create part of it first or choose a shorter path`)
    p = dirname(p)
  }
}

function kindSync(p: string): 'dir' | 'other' | 'none' {
  try {
    return statSync(p).isDirectory() ? 'dir' : 'other'
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    // ENOTDIR: a parent is a file; walking up finds which one.
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'none'
    throw new FolderError(`${p}: cannot be looked at (${code ?? (e as Error).message}); choose a folder you can open`)
  }
}

/**
 * Makes `dir` (and any missing parents) after refusing kernel file systems and files in the way; the blocking form, for the CLI and the library's own start. Throws FolderError.
 */
export function ensureFolderSync(dir: string): void {
  dir = resolve(dir)
  const early = startProblem(dir)
  if (early) throw new FolderError(early)
  const probe = walkUp(dir, kindSync)
  let fs: { type: number } | null = null
  try {
    fs = statfsSync(probe.existing)
  } catch {
    /* statfs is unsupported on some platforms: then only the write itself can tell */
  }
  const refusal = refusalFor(dir, fs)
  if (refusal) throw new FolderError(refusal)
  for (const level of probe.missing) {
    try {
      mkdirSync(level)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new FolderError(`cannot create ${level} (${folderProblem(e)}); choose a folder you can write to`)
    }
  }
}

/** The same as ensureFolderSync without blocking the event loop (the service's settings call). */
export async function ensureFolder(dir: string): Promise<void> {
  dir = resolve(dir)
  const early = startProblem(dir)
  if (early) throw new FolderError(early)
  // Probe levels asynchronously (a network mount can take its time to answer), then walk them.
  const kinds = new Map<string, 'dir' | 'other' | 'none'>()
  let p = dir
  for (let i = 0; i <= MAX_NEW_LEVELS + 1; i++) {
    let kind: 'dir' | 'other' | 'none'
    try {
      kind = (await stat(p)).isDirectory() ? 'dir' : 'other'
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      if (code === 'ENOENT' || code === 'ENOTDIR') kind = 'none'
      else throw new FolderError(`${p}: cannot be looked at (${code ?? (e as Error).message}); choose a folder you can open`)
    }
    kinds.set(p, kind)
    if (kind !== 'none' || dirname(p) === p) break
    p = dirname(p)
  }
  const probe = walkUp(dir, (q) => kinds.get(q) ?? 'none')
  let fs: { type: number } | null = null
  try {
    fs = await statfs(probe.existing)
  } catch {
    /* see ensureFolderSync */
  }
  const refusal = refusalFor(dir, fs)
  if (refusal) throw new FolderError(refusal)
  for (const level of probe.missing) {
    try {
      await mkdir(level)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new FolderError(`cannot create ${level} (${folderProblem(e)}); choose a folder you can write to`)
    }
  }
}

/** Why a folder could not be made or written, in words (an artist does not read errno codes). */
export function folderProblem(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code
  if (code === 'EEXIST' || code === 'ENOTDIR') return 'a file is in the way: that path, or a folder on it, is a file'
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied'
  if (code === 'EROFS') return 'the disk is read-only'
  if (code === 'ENOSPC') return 'the disk is full'
  if (code === 'EDQUOT') return 'your disk quota is used up'
  return code ?? (e as Error).message
}

/** Free bytes for an unprivileged writer on the disk holding `dir` (null where statfs is unsupported). */
export async function freeBytes(dir: string): Promise<number | null> {
  try {
    const s = await statfs(dir)
    return s.bavail * s.bsize
  } catch {
    return null
  }
}
