/**
 * From prompt tags and `--lora FILE:WEIGHT` to LoRA files read and ready to merge: names are looked up in
 * the LoRA folder (NAME.safetensors, also one level of sub-folders, case-insensitively as on Windows),
 * each file is read once per (path, size, mtime), and hashed as A1111 does for its "Lora hashes"
 * infotext: SHA-256 of the bytes after the safetensors header (kohya's "addnet" hash), first 12 digits.
 *
 * A missing or unreadable file is an error naming it, unless the caller asked for lenient mode: then the
 * job runs without it and the problem is returned as a warning.
 */
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { basename, extname, join, resolve } from 'node:path'
import type { LoraTag } from '../../../shared/lora-tags'
import { type LoraFile, LoraError, parseLora } from './lora-file'
import type { LoraApplication } from './merge'

export interface LoadedLora {
  readonly file: LoraFile
  /** A1111's short hash (12 hex digits of the addnet SHA-256). */
  readonly hash: string
}

const fileCache = new Map<string, { size: number; mtimeMs: number; lora: LoadedLora }>()

/** SHA-256 of the tensor data (everything after the 8-byte length and the JSON header). */
export function addnetHash(bytes: Uint8Array): string {
  const n = bytes.byteLength >= 8 ? Number(Buffer.from(bytes.buffer, bytes.byteOffset, 8).readBigUInt64LE(0)) : 0
  return createHash('sha256')
    .update(bytes.subarray(Math.min(bytes.byteLength, 8 + n)))
    .digest('hex')
}

/** Reads (or reuses) one LoRA file. */
export function loadLoraFile(path: string): LoadedLora {
  const full = resolve(path)
  let st
  try {
    st = statSync(full)
  } catch {
    throw new LoraError(full, 'does not exist', 'check the path, or the LoRA folder in Settings / --loras')
  }
  if (!st.isFile()) throw new LoraError(full, 'is not a file')
  const hit = fileCache.get(full)
  if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit.lora
  if (extname(full).toLowerCase() !== '.safetensors') {
    throw new LoraError(full, 'is not a .safetensors file', 'the studio reads LoRA files saved as .safetensors; a .pt/.ckpt file is a Python pickle it does not open')
  }
  const bytes = readFileSync(full)
  const hash = addnetHash(bytes).slice(0, 12)
  const lora = { file: { ...parseLora(full, bytes), hash }, hash }
  fileCache.set(full, { size: st.size, mtimeMs: st.mtimeMs, lora })
  return lora
}

/** NAME → path in `dir` (NAME.safetensors, then one level of sub-folders; case-insensitive). */
export function findLoraByName(dir: string, name: string): string | undefined {
  const want = `${name}.safetensors`.toLowerCase()
  const look = (d: string, depth: number): string | undefined => {
    let entries
    try {
      entries = readdirSync(d, { withFileTypes: true })
    } catch {
      return undefined
    }
    const exact = entries.find((e) => e.isFile() && e.name === `${name}.safetensors`)
    if (exact) return join(d, exact.name)
    const loose = entries.find((e) => e.isFile() && e.name.toLowerCase() === want)
    if (loose) return join(d, loose.name)
    if (depth > 0) {
      for (const e of entries) {
        if (e.isDirectory() && !e.name.startsWith('.')) {
          const f = look(join(d, e.name), depth - 1)
          if (f) return f
        }
      }
    }
    return undefined
  }
  return existsSync(dir) ? look(dir, 1) : undefined
}

export interface ResolvedLoras {
  readonly applications: LoraApplication[]
  /** Name (as the tag wrote it, or the file name) and hash of every file used, for infotext and presets. */
  readonly used: { name: string; hash: string; path: string; unet: number; te: number }[]
  readonly warnings: string[]
}

export interface ResolveOptions {
  /** The LoRA folder names in tags are looked up in. */
  readonly dir?: string
  /** `--lora FILE[:WEIGHT]` entries. */
  readonly files?: readonly { path: string; unet: number; te: number }[]
  /** Run without a missing or bad LoRA (with a warning) instead of refusing the job. */
  readonly lenient?: boolean
}

export function resolveLoras(tags: readonly LoraTag[], options: ResolveOptions = {}): ResolvedLoras {
  const applications: LoraApplication[] = []
  const used: ResolvedLoras['used'] = []
  const warnings: string[] = []
  const add = (name: string, path: string | undefined, unet: number, te: number, what: string): void => {
    try {
      if (!path) {
        throw new LoraError(
          name,
          options.dir ? `no ${name}.safetensors in the LoRA folder ${options.dir} (${what})` : `${what} names a LoRA but no LoRA folder is set`,
          options.dir ? 'check the name, or put the file in that folder' : 'choose the LoRA folder in Settings, or pass --loras DIR'
        )
      }
      const l = loadLoraFile(path)
      applications.push({ file: l.file, unet, te })
      used.push({ name, hash: l.hash, path: l.file.path, unet, te })
    } catch (e) {
      if (!options.lenient || !(e instanceof LoraError)) throw e
      warnings.push(`${e.message} — running without it (lenient mode)`)
    }
  }
  for (const f of options.files ?? []) add(basename(f.path, extname(f.path)), f.path, f.unet, f.te, `--lora ${f.path}`)
  for (const t of tags) add(t.name, options.dir ? findLoraByName(options.dir, t.name) : undefined, t.unet, t.te, `the prompt tag ${t.text}`)
  return { applications, used, warnings }
}

/** `FILE`, `FILE:0.8` or `FILE:0.8:0.3` from the command line (a Windows drive letter is not a weight). */
export function parseLoraArg(arg: string): { path: string; unet: number; te: number } {
  const m = /^(.*?)(?::(-?[\d.eE+-]+))?(?::(-?[\d.eE+-]+))?$/.exec(arg)!
  const path = m[1]
  const unet = m[2] === undefined ? 1 : Number(m[2])
  const te = m[3] === undefined ? unet : Number(m[3])
  if (!path || !Number.isFinite(unet) || !Number.isFinite(te)) throw new LoraError(arg, 'is not FILE[:WEIGHT[:TE_WEIGHT]] with finite numbers', 'write --lora style.safetensors:0.8')
  return { path, unet, te }
}
