/**
 * Textual-inversion embedding files, as A1111 and ComfyUI save them: a `.safetensors` holding
 * `emb_params` [vectors, width] (SD 1.x / 2.x), or `clip_l` [n, 768] + `clip_g` [n, 1280] (SDXL: one
 * set of vectors per text encoder), or a single tensor of any name (A1111 accepts that too). A 1-D tensor
 * is one vector. `.pt` / `.bin` files are Python pickles: refused, never unpickled.
 *
 * The name the prompt uses is the file name without its extension, as in A1111. The hash is A1111's
 * "TI hashes" short hash: SHA-256 of the whole file, first 10 hex digits.
 */
import { createHash } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import { basename, extname, resolve } from 'node:path'
import { SafetensorsError, decodeFloats, parseSafetensorsBytes } from '../safetensors/safetensors'

export class EmbeddingError extends Error {
  constructor(
    readonly path: string,
    problem: string,
    readonly hint = ''
  ) {
    super(`embedding ${path}: ${problem}${hint ? ` — ${hint}` : ''}`)
    this.name = 'EmbeddingError'
  }
}

/** Which text encoder a set of vectors is for. */
export type EmbeddingTarget = 'text_encoder' | 'text_encoder_2'

export interface EmbeddingVectors {
  /** [count, width] row-major. */
  readonly data: Float32Array
  readonly count: number
  readonly width: number
}

export interface EmbeddingFile {
  readonly path: string
  /** File name without extension: the word the prompt uses. */
  readonly name: string
  /** A1111's short hash (10 hex digits of the file's SHA-256). */
  readonly hash: string
  /** One set of vectors for an SD 1.x / 2.x file (`single`), or one per SDXL encoder. */
  readonly single?: EmbeddingVectors
  readonly perEncoder?: Readonly<Partial<Record<EmbeddingTarget, EmbeddingVectors>>>
  /** Vectors the embedding takes in the prompt (tokens it counts as). */
  readonly count: number
}

/** The base model family a width belongs to, for messages. */
export function widthFamily(width: number): string {
  return width === 768 ? 'SD 1.x (768)' : width === 1024 ? 'SD 2.x (1024)' : width === 1280 ? "SDXL's second encoder (1280)" : `${width}-wide`
}

function vectors(path: string, key: string, shape: readonly number[], data: Float32Array): EmbeddingVectors {
  if (shape.length === 1) return { data, count: 1, width: shape[0] }
  if (shape.length !== 2 || shape[0] < 1 || shape[1] < 1) {
    throw new EmbeddingError(path, `tensor "${key}" has shape [${shape.join(', ')}]; an embedding is [vectors, width]`, 'this is not a textual-inversion embedding')
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new EmbeddingError(path, `tensor "${key}" holds ${data[i]} at index ${i}`, 'the file is damaged; re-download or re-train it')
  }
  return { data, count: shape[0], width: shape[1] }
}

/** Parses embedding bytes (already read). */
export function parseEmbedding(path: string, bytes: Uint8Array): Omit<EmbeddingFile, 'hash'> {
  let header
  try {
    header = parseSafetensorsBytes(path, bytes)
  } catch (e) {
    if (e instanceof SafetensorsError) throw new EmbeddingError(path, e.problem, 'save the embedding as .safetensors (A1111 / ComfyUI format)')
    throw e
  }
  const read = (key: string): EmbeddingVectors => {
    const t = header.tensors.get(key)!
    if (!['F32', 'F16', 'BF16', 'F64'].includes(t.dtype)) throw new EmbeddingError(path, `tensor "${key}" is ${t.dtype}, not a floating-point type`)
    const off = t.offset
    return vectors(path, key, t.shape, decodeFloats(bytes.subarray(off, off + t.byteLength), t.dtype, `${path}: ${key}`))
  }
  const name = basename(path, extname(path))
  const keys = [...header.tensors.keys()]
  if (header.tensors.has('clip_l') || header.tensors.has('clip_g')) {
    if (!header.tensors.has('clip_l') || !header.tensors.has('clip_g')) {
      throw new EmbeddingError(path, `has ${header.tensors.has('clip_l') ? 'clip_l' : 'clip_g'} but not ${header.tensors.has('clip_l') ? 'clip_g' : 'clip_l'}`, 'an SDXL embedding needs vectors for both text encoders')
    }
    const l = read('clip_l')
    const g = read('clip_g')
    if (l.count !== g.count) throw new EmbeddingError(path, `clip_l has ${l.count} vectors and clip_g ${g.count}`, 'both encoders need the same number of vectors')
    return { path, name, perEncoder: { text_encoder: l, text_encoder_2: g }, count: l.count }
  }
  const key = header.tensors.has('emb_params') ? 'emb_params' : keys.length === 1 ? keys[0] : undefined
  if (!key) {
    throw new EmbeddingError(
      path,
      keys.length === 0 ? 'holds no tensors' : `holds ${keys.length} tensors (${keys.slice(0, 4).join(', ')}${keys.length > 4 ? ', …' : ''}) and none is emb_params, clip_l or clip_g`,
      'this is not a textual-inversion embedding (a LoRA belongs in the LoRA folder)'
    )
  }
  const single = read(key)
  return { path, name, single, count: single.count }
}

const cache = new Map<string, { size: number; mtimeMs: number; file: EmbeddingFile }>()

/** Reads (or reuses, by size and mtime) one embedding file. */
export function loadEmbeddingFile(path: string): EmbeddingFile {
  const full = resolve(path)
  let st
  try {
    st = statSync(full)
  } catch {
    throw new EmbeddingError(full, 'does not exist', 'check the embeddings folder in Settings / --embeddings')
  }
  if (!st.isFile()) throw new EmbeddingError(full, 'is not a file')
  const ext = extname(full).toLowerCase()
  if (ext === '.pt' || ext === '.bin' || ext === '.ckpt' || ext === '.pth') {
    throw new EmbeddingError(full, `is a ${ext} file, a Python pickle the studio does not open (it could run code)`, 'convert it to .safetensors (for example with A1111\'s or ComfyUI\'s converter) or download the .safetensors version')
  }
  if (ext !== '.safetensors') throw new EmbeddingError(full, 'is not a .safetensors file')
  const hit = cache.get(full)
  if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit.file
  const bytes = readFileSync(full)
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 10)
  const file = { ...parseEmbedding(full, bytes), hash }
  cache.set(full, { size: st.size, mtimeMs: st.mtimeMs, file })
  return file
}

/** The vectors of `file` for one text encoder of a model with `encoders` text encoders of these widths. */
export function vectorsFor(file: EmbeddingFile, target: EmbeddingTarget, width: number, sdxl: boolean): EmbeddingVectors {
  if (file.perEncoder && !sdxl) {
    throw new EmbeddingError(file.path, `is an SDXL embedding (clip_l + clip_g) and this model has one ${widthFamily(width)} text encoder`, 'use an embedding trained for this base model')
  }
  if (file.single && sdxl) {
    throw new EmbeddingError(file.path, `holds one ${file.single.width}-wide set of vectors and this SDXL model needs clip_l (768) and clip_g (1280)`, 'use an SDXL embedding')
  }
  const v = file.perEncoder ? file.perEncoder[target]! : file.single!
  if (v.width !== width) {
    throw new EmbeddingError(
      file.path,
      `its vectors are ${v.width} wide (${widthFamily(v.width)}) but the model's ${target} expects ${width}`,
      `this embedding was made for another base model; use one whose width is ${width}`
    )
  }
  return v
}
