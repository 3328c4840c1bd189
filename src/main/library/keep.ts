/**
 * How finished images reach the library, for the two callers that make them:
 *
 * - the service (UI, web host, galleries, sweeps): `LibrarySink` has the shape of the service's
 *   `ResultSink` (save → id, read → PNG bytes), and groups a gallery's or sweep's cells by job with
 *   `beginGroup(jobId, …)`; each cell's axis values are read from its own parameters;
 * - the CLI: `openLibraryFor()` honours `--library DIR` / `--no-library` / $SIGMA_STUDIO_LIBRARY, and
 *   `keepImage()` saves to the library and, with `--out FILE`, writes a copy there too (or only there
 *   with --no-library, still with both metadata chunks).
 */
import type { ExtraNetworks } from '../../shared/lora-tags'
import { copyFileSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { dirname, join, basename } from 'node:path'
import { validateGenerationParams, type GenerationParams } from '../../shared/params'
import { embedImageMetadata, type GroupAxis, type GroupKind } from '../formats/image-metadata'
import { parseChunks } from '../png/chunks'
import { writeFileAtomic } from '../util/atomic-write'
import { LibraryError } from './errors'
import { encodePng, fsyncDir, type RawPixels } from './files'
import { imageMetadataFor, Library, type Group, type LibraryEntry, type ReconcileReport, type SaveInput } from './library'
import type { InputBytes } from './inputs'
import { resolveLibraryDir } from './paths'

/** A value of the parameters by dotted path ("sampler", "guidance.rescale"). */
function valueAt(params: GenerationParams, path: string): string | number {
  let v: unknown = params
  for (const k of path.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined
  if (typeof v === 'string' || typeof v === 'number') return v
  return v === undefined ? '' : JSON.stringify(v)
}

/** A cell's value on each axis, read from the parameters it was made with. */
export function cellValues(axes: readonly GroupAxis[], params: GenerationParams): Record<string, string | number> {
  return Object.fromEntries(axes.map((a) => [a.name, valueAt(params, a.name)]))
}

export interface SinkImage {
  jobId: string
  /** Index of the cell in its job (row-major over the axes for a gallery or sweep). */
  cell: number
  png: Uint8Array
  params: GenerationParams
  modelHash?: string | null
  modelName?: string
  networks?: ExtraNetworks
  /** The init image and mask of an img2img / inpainting job, kept with the result. */
  inputs?: InputBytes
}

/** The library as the service's result sink. */
export class LibrarySink {
  private readonly groups = new Map<string, Group>()

  constructor(readonly library: Library) {}

  /** Declares that a job's cells form a gallery or sweep; call before its first cell is saved. */
  beginGroup(jobId: string, g: { kind: GroupKind; axes: GroupAxis[]; title?: string }): Group {
    const group = this.library.createGroup(g)
    this.groups.set(jobId, group)
    return group
  }

  /** Forgets the job (its group stays in the library). */
  endGroup(jobId: string): void {
    this.groups.delete(jobId)
  }

  async save(image: SinkImage): Promise<string> {
    const g = this.groups.get(image.jobId)
    const input: SaveInput = { png: image.png, params: image.params, modelHash: image.modelHash ?? null }
    if (image.modelName !== undefined) input.modelName = image.modelName
    if (image.networks) input.networks = image.networks
    if (image.inputs) input.inputs = image.inputs
    if (g) input.group = { id: g.id, cell: { index: image.cell, values: cellValues(g.axes, image.params) } }
    return (await this.library.save(input)).id
  }

  async read(id: string): Promise<Uint8Array | undefined> {
    const e = this.library.get(id)
    if (!e) return undefined
    try {
      return readFileSync(e.file)
    } catch {
      return undefined
    }
  }
}

/**
 * The library a CLI run saves into: null with --no-library, else the folder from --library, the
 * environment or the platform default, opened and reconciled (the start-up pass).
 */
export async function openLibraryFor(opts: { library?: string | null; noLibrary?: boolean }): Promise<{ library: Library | null; report: ReconcileReport | null }> {
  if (opts.noLibrary) return { library: null, report: null }
  const { library, report } = await Library.start(resolveLibraryDir(opts.library))
  return { library, report }
}

export interface KeepInput {
  png?: Uint8Array
  pixels?: RawPixels
  params: GenerationParams | Record<string, unknown>
  modelHash?: string | null
  modelName?: string
  networks?: ExtraNetworks
  /** The init image and mask it was made from (kept in the library's inputs/; not with --no-library). */
  inputs?: InputBytes
}

/**
 * Keeps one image: in the library (unless it is null) and, when `out` is given, as a copy at that
 * path — the same bytes, metadata included. With neither there would be nowhere to keep it: an error.
 */
export async function keepImage(library: Library | null, image: KeepInput, out?: string): Promise<{ entry: LibraryEntry | null; out: string | null }> {
  if (!library && !out) throw new LibraryError('invalid', 'the image would be kept nowhere: pass --out FILE.png, or leave out --no-library')
  let entry: LibraryEntry | null = null
  if (library) {
    const input: SaveInput = { params: image.params, modelHash: image.modelHash ?? null }
    if (image.png) input.png = image.png
    if (image.pixels) input.pixels = image.pixels
    if (image.modelName !== undefined) input.modelName = image.modelName
    if (image.networks) input.networks = image.networks
    if (image.inputs) input.inputs = image.inputs
    entry = await library.save(input)
  }
  if (!out) return { entry, out: null }
  try {
    if (entry) {
      const tmp = join(dirname(out), `.${basename(out)}.${process.pid}.copy.tmp`)
      try {
        copyFileSync(entry.file, tmp)
        renameSync(tmp, out)
        fsyncDir(dirname(out))
      } finally {
        rmSync(tmp, { force: true })
      }
    } else {
      let params: GenerationParams
      try {
        params = validateGenerationParams(image.params)
      } catch (e) {
        throw new LibraryError('invalid', `cannot save the image: ${(e as Error).message}`)
      }
      const png = image.png ? Buffer.from(image.png) : image.pixels ? await encodePng(image.pixels) : undefined
      if (!png) throw new LibraryError('invalid', 'keepImage() needs png or pixels')
      parseChunks(png, 'the image to save')
      const meta = imageMetadataFor(params, { modelName: image.modelName, modelHash: image.modelHash ?? null, networks: image.networks })
      writeFileAtomic(out, embedImageMetadata(png, meta))
    }
  } catch (e) {
    if (e instanceof LibraryError) throw e
    throw new LibraryError('io', `${out}: cannot write the image (${(e as Error).message})${entry ? `; it is kept in the library as ${entry.id}` : ''}`)
  }
  return { entry, out }
}
