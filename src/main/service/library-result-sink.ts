/**
 * The service's results kept in the library: every finished cell becomes a library entry (PNG with A1111
 * infotext and exact parameters, indexed), and the cells of a gallery or sweep form one group with its
 * axes. The renderer fetches an image by its library id.
 */
import { basename, isAbsolute, join } from 'node:path'
import type { GridSpec } from '../../shared/api'
import type { GroupAxis } from '../formats/image-metadata'
import type { LibrarySink } from '../library/keep'
import { modelShortHash } from '../library/model-hash'
import type { FinishedImage, ResultSink } from './result-sink'

/**
 * The grid's varying axes, in the order the service expands them (samplers × schedules × cfg × steps ×
 * seeds × axes). A sweep axis is named by its parameter's dotted path ("guidance.rescale"), which is
 * where the library reads each cell's value from.
 */
export function gridAxes(grid: GridSpec): GroupAxis[] {
  const axes: GroupAxis[] = []
  const add = (name: string, values: ReadonlyArray<string | number> | undefined): void => {
    if (values && values.length > 1) axes.push({ name, values: [...values] })
  }
  add('sampler', grid.samplers)
  add('schedule', grid.schedules)
  add('cfg', grid.cfg)
  add('steps', grid.steps)
  add('seed', grid.seeds)
  for (const a of grid.axes ?? []) add(a.param, a.values)
  return axes
}

export class LibraryResultSink implements ResultSink {
  private readonly hashes = new Map<string, Promise<string | null>>()

  constructor(
    private readonly sink: LibrarySink,
    private readonly modelsDir: string
  ) {}

  beginGrid(jobId: string, grid: GridSpec): void {
    const axes = gridAxes(grid)
    if (axes.length === 0) return
    // A grid over samplers/schedules alone is a gallery; anything that varies guidance, steps or seeds is a sweep.
    const kind = axes.every((a) => a.name === 'sampler' || a.name === 'schedule') ? 'gallery' : 'sweep'
    this.sink.beginGroup(jobId, { kind, axes })
  }

  endJob(jobId: string): void {
    this.sink.endGroup(jobId)
  }

  private modelPath(model: string): string {
    return isAbsolute(model) ? model : join(this.modelsDir, model)
  }

  /** The model's short hash, computed once per model (it reads the UNet weights). */
  private hash(model: string): Promise<string | null> {
    let h = this.hashes.get(model)
    if (!h) {
      h = modelShortHash(this.modelPath(model)).catch(() => null)
      this.hashes.set(model, h)
    }
    return h
  }

  async save(image: FinishedImage): Promise<string> {
    return this.sink.save({
      jobId: image.jobId,
      cell: image.cell,
      png: image.png,
      params: image.params,
      modelHash: await this.hash(image.params.model),
      modelName: basename(image.params.model),
      ...(image.inputs ? { inputs: image.inputs } : {}),
      ...(image.networks ? { networks: image.networks } : {})
    })
  }

  read(resultId: string): Promise<Uint8Array | undefined> {
    return this.sink.read(resultId)
  }
}
