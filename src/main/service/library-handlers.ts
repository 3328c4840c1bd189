/**
 * The library calls of the contract: browse (newest first, filtered, full-text prompt search), open one
 * entry, thumbnails and images, favourite and delete. Payloads arrive validated (VALIDATORS); the work
 * is the Library's (src/main/library); this module only maps it onto the contract and turns library
 * errors into errors that name the request field.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { RequestError, type InvokeHandlers, type LibraryDetail, type LibraryItem, type LibraryQuery } from '../../shared/api'
import { LibraryError } from '../library/errors'
import { makeThumbnail } from '../library/files'
import type { LibraryEntry, ListQuery } from '../library/library'
import { readImageMetadata } from '../formats/image-metadata'
import type { LibraryHolder } from './library-holder'

type LibraryCalls = Pick<
  InvokeHandlers,
  'studio:library:list' | 'studio:library:models' | 'studio:library:get' | 'studio:library:thumb' | 'studio:library:image' | 'studio:library:reveal' | 'studio:library:favourite' | 'studio:library:delete' | 'studio:library:export' | 'studio:library:input'
>

export const DEFAULT_LIBRARY_PAGE = 60

/** What the renderer sees of an entry: no absolute paths (the detail call gives the file's). */
export function toLibraryItem(e: LibraryEntry): LibraryItem {
  return {
    id: e.id,
    createdAt: e.createdAt,
    model: e.model,
    modelHash: e.modelHash,
    params: e.params,
    favourite: e.favourite,
    tags: e.tags,
    group: e.group,
    missing: e.missingSince !== null
  }
}

/** "to: 2026-01-31" means the whole of that day, as on the command line. */
const endOfDay = (s: string): string => (/^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T23:59:59.999Z` : s)

function listQuery(q: LibraryQuery): ListQuery {
  const out: ListQuery = { offset: q.offset ?? 0, limit: q.limit ?? DEFAULT_LIBRARY_PAGE }
  if (q.model !== undefined) out.model = q.model
  if (q.sampler !== undefined) out.sampler = q.sampler
  if (q.schedule !== undefined) out.schedule = q.schedule
  if (q.favourite) out.favourite = true
  if (q.from !== undefined) out.from = q.from
  if (q.to !== undefined) out.to = endOfDay(q.to)
  return out
}

/** Library failures as request errors: unknown ids name the `id` field, the rest say what to do. */
function asRequestError(e: unknown, field: string): never {
  if (e instanceof LibraryError) throw new RequestError(e.code === 'not-found' ? field : '(library)', e.message)
  throw e
}

/** A plain Uint8Array view (a Buffer's own toJSON would get in the way of the web host's wire format). */
const bytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength)

/**
 * `revealFile` shows a file in the system's file manager (the desktop app: shell.showItemInFolder);
 * absent in the web host, whose browser may be on another machine: the call then only says the path.
 */
export function libraryHandlers(holder: LibraryHolder, revealFile?: (file: string) => void): LibraryCalls {
  const entry = (id: string): LibraryEntry => {
    const e = holder.require().get(id)
    if (!e) throw new RequestError('id', `there is no image "${id}" in the library; it may have been deleted`)
    return e
  }
  const readPng = (e: LibraryEntry): Buffer => {
    try {
      return readFileSync(e.file)
    } catch {
      throw new RequestError('id', `the image file of "${e.id}" is missing from the library folder (${e.file}); only its settings are left`)
    }
  }
  return {
    'studio:library:list': async (q) => {
      const lib = holder.require()
      try {
        const page = q.text ? lib.search(q.text, listQuery(q)) : lib.list(listQuery(q))
        return { items: page.items.map(toLibraryItem), total: page.total, totalExact: page.totalExact, offset: page.offset, limit: page.limit }
      } catch (e) {
        return asRequestError(e, '(query)')
      }
    },
    'studio:library:models': async () => ({ models: holder.require().models() }),
    'studio:library:get': async ({ id }) => {
      const e = entry(id)
      let infotext: string | null = null
      let networks: LibraryDetail['networks']
      try {
        const read = readImageMetadata(readFileSync(e.file), e.file)
        infotext = read.infotext ?? null
        networks = read.meta?.networks
      } catch {
        infotext = null // a missing or damaged file: the row still has the exact parameters
      }
      const kept = holder.require().inputs(id)
      return { entry: toLibraryItem(e), file: e.file, infotext, inputs: { init: !!kept.init, mask: !!kept.mask }, ...(networks ? { networks } : {}) }
    },
    'studio:library:input': async ({ id, role }) => {
      const f = holder.require().inputs(entry(id).id)[role]
      const what = role === 'init' ? 'init image' : 'mask'
      if (!f) throw new RequestError('role', `"${id}" was not made from ${role === 'init' ? 'an init image' : 'a mask'} the library kept`)
      try {
        return { mime: f.mime, data: bytes(readFileSync(f.file)) }
      } catch {
        throw new RequestError('role', `the ${what} of "${id}" is missing from the library folder (${f.file})`)
      }
    },
    'studio:library:thumb': async ({ id }) => {
      const e = entry(id)
      if (e.thumb) {
        try {
          return { mime: 'image/webp' as const, data: bytes(readFileSync(e.thumb)) }
        } catch {
          /* derived data: made again below */
        }
      }
      const png = readPng(e)
      try {
        return { mime: 'image/webp' as const, data: bytes(await makeThumbnail(png)) }
      } catch {
        return { mime: 'image/png' as const, data: bytes(png) }
      }
    },
    'studio:library:image': async ({ id }) => ({ mime: 'image/png' as const, data: bytes(readPng(entry(id))) }),
    'studio:library:reveal': async ({ id }) => {
      const e = entry(id)
      if (!existsSync(e.file)) throw new RequestError('id', `the image file of "${id}" is missing from the library folder (${e.file}); only its settings are left`)
      if (!revealFile) return { shown: false, file: e.file }
      revealFile(e.file)
      return { shown: true, file: e.file }
    },
    'studio:library:favourite': async ({ id, favourite }) => {
      try {
        holder.require().setFavourite(id, favourite)
      } catch (e) {
        asRequestError(e, 'id')
      }
      return { id, favourite }
    },
    'studio:library:delete': async ({ id }) => {
      try {
        holder.require().delete(id)
      } catch (e) {
        asRequestError(e, 'id')
      }
      return { deleted: id }
    },
    'studio:library:export': async ({ ids }) => {
      const lib = holder.require()
      const dir = join(lib.layout.exports, new Date().toISOString().replace(/[:.]/g, '-'))
      try {
        const r = lib.exportSelection(ids, dir)
        return { dir, files: r.files.length, skipped: r.skipped.length }
      } catch (e) {
        return asRequestError(e, 'ids')
      }
    }
  }
}
