/**
 * The checks a generation job passes before it is queued, against the model folder it names (read from
 * its configs, no session): every cell's size against the model's size step and largest side, and the
 * job's peak memory against what the machine has available. A job that cannot run is refused at the
 * door with a RequestError naming the field, instead of crashing ONNX Runtime or the OS killing the app.
 */
import { BUILTIN_UPSCALERS, hiresSize, upscalerKind } from '../../shared/hires'
import type { GenerationParams } from '../../shared/params'
import { RequestError } from '../../shared/validate'
import { GenerationInputError, ModelFolderError } from '../models/errors'
import { readModelFolder } from '../models/folder'
import { checkMaxSide, checkMemory, checkSize, jobShape, type MemoryCheckOptions } from '../models/preflight'
import { modelDir } from './score-optimal-jobs'

/** `memory: false` skips the memory check (jobs that run on other machines: the render farm). */
export function preflightJob(modelsDir: string, cells: readonly GenerationParams[], opts: MemoryCheckOptions & { memory?: boolean } = {}): void {
  if (cells.length === 0) return
  for (const c of cells) {
    if (c.hires && upscalerKind(c.hires.upscaler) === 'model') {
      throw new RequestError('params.hires.upscaler', `"${c.hires.upscaler}" is not an upscaler this studio has; use ${BUILTIN_UPSCALERS.join(', ')}`)
    }
  }
  let folder
  try {
    folder = readModelFolder(modelDir(modelsDir, cells[0].model))
  } catch (e) {
    // A folder that cannot be read is reported by the worker when it loads it (with its own error code).
    if (e instanceof ModelFolderError) return
    throw e
  }
  try {
    // A hires cell's largest work is its second pass: sizes and memory are checked at the hires size.
    cells = cells.map((c) => {
      if (!c.hires) return c
      const r = hiresSize(c.width, c.height, c.hires, folder.sizeStep, folder.vaeScale)
      if (!r.ok) throw new RequestError(`params.${r.field}`, r.problem)
      checkSize(folder, c.width, c.height)
      return { ...c, width: r.size.width, height: r.size.height, cfg: Math.max(c.cfg, c.hires.cfg ?? c.cfg) }
    })
    const seen = new Set<string>()
    for (const c of cells) {
      const key = `${c.width}x${c.height}`
      if (seen.has(key)) continue
      seen.add(key)
      checkSize(folder, c.width, c.height)
      checkMaxSide(folder, c.width, c.height)
    }
    if (opts.memory !== false) checkMemory(folder, jobShape(cells, true), opts)
  } catch (e) {
    if (e instanceof GenerationInputError) throw new RequestError(`params.${e.field}`, `${e.problem}; ${e.hint.replace(/--width (\d+) --height (\d+)/, '$1×$2')}`)
    throw e
  }
}
