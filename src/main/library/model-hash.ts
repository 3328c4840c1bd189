/**
 * The short model hash written as "Model hash:" in infotext and stored with every library entry.
 *
 * A1111's short hash is the first 10 hex digits of SHA-256 of the checkpoint file. An ONNX model
 * folder has no single checkpoint, so we define it as the first 10 hex digits of SHA-256 over the UNet:
 * `unet/model.onnx` followed by `unet/model.onnx_data` when the weights live there (model.onnx alone
 * is then only the graph, the same for every fine-tune of an architecture). A single-file model
 * (a path to a file) hashes that file, as A1111 does.
 *
 * Hashing a multi-gigabyte UNet takes seconds, so results are cached in memory by path, size and mtime.
 */
import { createHash } from 'node:crypto'
import { createReadStream, existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { LibraryError } from './errors'

const cache = new Map<string, string>()

function filesOf(model: string): string[] {
  if (statSync(model).isFile()) return [model]
  const unet = join(model, 'unet', 'model.onnx')
  if (!existsSync(unet)) throw new LibraryError('not-found', `${model}: no unet/model.onnx to hash; is this an ONNX model folder?`)
  const data = join(model, 'unet', 'model.onnx_data')
  return existsSync(data) ? [unet, data] : [unet]
}

export async function modelShortHash(model: string): Promise<string> {
  let files: string[]
  try {
    files = filesOf(model)
  } catch (e) {
    if (e instanceof LibraryError) throw e
    throw new LibraryError('not-found', `${model}: cannot read the model to hash it (${(e as Error).message})`)
  }
  const key = files.map((f) => `${f}:${statSync(f).size}:${statSync(f).mtimeMs}`).join('|')
  const hit = cache.get(key)
  if (hit) return hit
  const h = createHash('sha256')
  for (const f of files) {
    await new Promise<void>((resolve, reject) => {
      createReadStream(f, { highWaterMark: 1 << 22 })
        .on('data', (d) => h.update(d))
        .on('end', resolve)
        .on('error', reject)
    })
  }
  const short = h.digest('hex').slice(0, 10)
  cache.set(key, short)
  return short
}
