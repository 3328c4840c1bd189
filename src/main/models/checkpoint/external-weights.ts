/**
 * The in-memory fallback of checkpoint import. ONNX Runtime resolves external data only inside the model's
 * folder (a symlink to elsewhere is refused), so import hard-links the checkpoint into each component folder.
 * Where the file system cannot (another drive, FAT, a network share), import writes `weights.json` beside
 * model.onnx instead: which byte range of the user's file the graph's offsets start at. Opening the session
 * then reads that range and hands it to ONNX Runtime through the `externalData` session option.
 */
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs'
import { dirname, join } from 'node:path'

export const WEIGHTS_JSON = 'weights.json'

export interface ExternalWeightsFile {
  /** The name the graph's initializers use as their external-data location. */
  readonly location: string
  /** Absolute path of the user's checkpoint. */
  readonly source: string
  /** Where the range starts in the source; initializer offsets are relative to it. */
  readonly offset: number
  readonly length: number
  /** The source's size when imported: a changed file is refused rather than read at wrong offsets. */
  readonly size: number
}

export interface ExternalWeights {
  readonly format: 'sigma-studio-external-weights/1'
  readonly files: readonly ExternalWeightsFile[]
}

export class ExternalWeightsError extends Error {}

/** Session options for a model file with a weights.json beside it; {} for every other model. */
export function externalDataOption(modelPath: string): { externalData?: { path: string; data: Uint8Array }[] } {
  const spec = join(dirname(modelPath), WEIGHTS_JSON)
  if (!existsSync(spec)) return {}
  const w = JSON.parse(readFileSync(spec, 'utf8')) as ExternalWeights
  if (w.format !== 'sigma-studio-external-weights/1') throw new ExternalWeightsError(`${spec}: unknown format ${JSON.stringify(w.format)}`)
  return { externalData: w.files.map((f) => ({ path: f.location, data: readRange(f, spec) })) }
}

function readRange(f: ExternalWeightsFile, spec: string): Uint8Array {
  let fd: number
  try {
    fd = openSync(f.source, 'r')
  } catch (e) {
    throw new ExternalWeightsError(
      `${f.source}: the checkpoint this model was imported from cannot be opened (${(e as NodeJS.ErrnoException).code ?? e}); it is read at load time because it could not be linked into the model folder (${spec}). Put the file back or import it again.`
    )
  }
  try {
    const size = fstatSync(fd).size
    if (size !== f.size) {
      throw new ExternalWeightsError(`${f.source}: the checkpoint changed since it was imported (${size} bytes, was ${f.size}); import it again`)
    }
    const buf = Buffer.allocUnsafe(f.length)
    let got = 0
    while (got < f.length) {
      const n = readSync(fd, buf, got, f.length - got, f.offset + got)
      if (n === 0) throw new ExternalWeightsError(`${f.source}: the file ends early; import it again`)
      got += n
    }
    return buf
  } finally {
    closeSync(fd)
  }
}
