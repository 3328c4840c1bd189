import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { existsSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { InvokeHandlers, LibraryPage } from '../../shared/api'
import { Library, type LibraryEntry } from '../library/library'
import { dispatch } from './dispatch'
import { libraryHandlers } from './library-handlers'
import sharp from 'sharp'
import { DEFAULT_PARAMS } from '../../shared/params'
import { DEFAULT_INPAINT } from '../../shared/inpaint'
import { LibrarySink } from '../library/keep'
import { LibraryResultSink } from './library-result-sink'
import { sharpPng } from './test-png'
import { LibraryHolder } from './library-holder'

const px = (v = 7) => ({ data: new Uint8Array(16 * 16 * 3).map((_, i) => (i * v) % 256), width: 16, height: 16, channels: 3 as const })

let dir: string
let lib: Library
let holder: LibraryHolder
let h: InvokeHandlers
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lib-handlers-'))
  lib = Library.open(dir)
  holder = new LibraryHolder(lib, dir)
  h = libraryHandlers(holder) as InvokeHandlers
})
afterEach(() => {
  holder.close()
  rmSync(dir, { recursive: true, force: true })
})

let clock = Date.parse('2026-11-20T10:00:00Z')
async function save(prompt: string, over: Record<string, unknown> = {}): Promise<LibraryEntry> {
  clock += 60_000
  return lib.save({ pixels: px(prompt.length), params: { prompt, model: 'sd15', ...over }, modelHash: '0123456789', createdAt: new Date(clock) })
}

async function call(name: string, payload: unknown) {
  return dispatch(h, name, payload)
}
async function ok<T>(name: string, payload: unknown): Promise<T> {
  const r = await call(name, payload)
  if (!r.ok) throw new Error(`${name} failed: ${r.error.message}`)
  return r.value as T
}

describe('library calls', () => {
  it('shows an image in the folder through the host, or says its path when the host cannot', async () => {
    const e = await save('reveal me')
    expect(await ok('studio:library:reveal', { id: e.id })).toEqual({ shown: false, file: e.file })
    const shown: string[] = []
    const withHost = libraryHandlers(holder, (f) => shown.push(f)) as InvokeHandlers
    const r = await dispatch(withHost, 'studio:library:reveal', { id: e.id })
    expect(r).toEqual({ ok: true, value: { shown: true, file: e.file } })
    expect(shown).toEqual([e.file])
    rmSync(e.file)
    const gone = await dispatch(withHost, 'studio:library:reveal', { id: e.id })
    expect(gone.ok).toBe(false)
    if (!gone.ok) expect(gone.error.message).toMatch(/missing from the library folder/)
    expect(shown).toHaveLength(1)
    expect((await call('studio:library:reveal', { id: 'nope', extra: 1 })).ok).toBe(false)
  })

  it('lists newest first with paging, and searches prompts', async () => {
    const a = await save('a red fox in snow')
    const b = await save('a blue whale')
    const c = await save('red sunset over the sea')
    const page = await ok<LibraryPage>('studio:library:list', { limit: 2 })
    expect(page.total).toBe(3)
    expect(page.items.map((i) => i.id)).toEqual([c.id, b.id])
    expect(page.items[0]).not.toHaveProperty('file')
    const next = await ok<LibraryPage>('studio:library:list', { limit: 2, offset: 2 })
    expect(next.items.map((i) => i.id)).toEqual([a.id])
    const red = await ok<LibraryPage>('studio:library:list', { text: 'red' })
    expect(red.items.map((i) => i.id)).toEqual([c.id, a.id])
    // A blank search is the plain list.
    expect((await ok<LibraryPage>('studio:library:list', { text: '   ' })).total).toBe(3)
  })

  it('filters by sampler, schedule, model, favourite and date', async () => {
    const a = await save('one', { sampler: 'euler', schedule: 'karras' })
    const b = await save('two', { sampler: 'dpmpp_2m', schedule: 'normal' })
    await ok('studio:library:favourite', { id: b.id, favourite: true })
    expect((await ok<LibraryPage>('studio:library:list', { sampler: 'euler' })).items.map((i) => i.id)).toEqual([a.id])
    expect((await ok<LibraryPage>('studio:library:list', { schedule: 'normal' })).items.map((i) => i.id)).toEqual([b.id])
    const favs = await ok<LibraryPage>('studio:library:list', { favourite: true })
    expect(favs.items.map((i) => [i.id, i.favourite])).toEqual([[b.id, true]])
    expect((await ok<LibraryPage>('studio:library:list', { model: 'sd15' })).total).toBe(2)
    expect((await ok<LibraryPage>('studio:library:list', { model: 'other' })).total).toBe(0)
    expect((await ok<LibraryPage>('studio:library:list', { from: b.createdAt })).items.map((i) => i.id)).toEqual([b.id])
    expect((await ok<LibraryPage>('studio:library:list', { to: a.createdAt })).items.map((i) => i.id)).toEqual([a.id])
    // A bare date for "to" means the whole of that day.
    expect((await ok<LibraryPage>('studio:library:list', { to: a.createdAt.slice(0, 10) })).total).toBe(2)
    expect(await ok('studio:library:models', {})).toEqual({ models: ['sd15'] })
  })

  it('refuses bad queries naming the field', async () => {
    const bad: Array<[unknown, string, RegExp]> = [
      [{ limit: 0 }, 'limit', /whole number from 1 to 200/],
      [{ limit: 1000 }, 'limit', /1 to 200/],
      [{ offset: -1 }, 'offset', /from 0/],
      [{ sampler: 'warp' }, 'sampler', /unknown sampler "warp"/],
      [{ schedule: 'lunar' }, 'schedule', /unknown schedule/],
      [{ favourite: 'yes' }, 'favourite', /true or false/],
      [{ from: 'yesterday' }, 'from', /not a date/],
      [{ from: '2026-02-01', to: '2026-01-01' }, 'to', /before "from"/],
      [{ colour: 'red' }, 'colour', /not accepted/],
      [{ text: 42 }, 'text', /must be text/]
    ]
    for (const [payload, field, msg] of bad) {
      const r = await call('studio:library:list', payload)
      expect(r.ok, JSON.stringify(payload)).toBe(false)
      if (!r.ok) {
        expect(r.error.code).toBe('invalid-request')
        expect(r.error.field).toBe(field)
        expect(r.error.message).toMatch(msg)
      }
    }
    for (const name of ['studio:library:get', 'studio:library:thumb', 'studio:library:image', 'studio:library:delete']) {
      const r = await call(name, { id: '../etc/passwd' })
      expect(r.ok || r.error.field).toBe('id')
    }
  })

  it('opens one entry with its parameters and infotext, serves thumbnail and image bytes', async () => {
    const e = await save('a lighthouse at dusk', { steps: 12, cfg: 6.5 })
    const d = await ok<{ entry: { params: { steps: number } }; file: string; infotext: string }>('studio:library:get', { id: e.id })
    expect(d.entry.params.steps).toBe(12)
    expect(d.file).toBe(e.file)
    expect(d.infotext).toMatch(/^a lighthouse at dusk\n/)
    expect(d.infotext).toMatch(/Steps: 12, .*CFG scale: 6.5/)
    expect((d as { networks?: unknown }).networks).toBeUndefined()
    // An image made with a LoRA and an embedding lists them by name and hash.
    clock += 60_000
    const n = await lib.save({
      pixels: px(3),
      params: { prompt: 'a <lora:ink:0.7> tinyemb', model: 'sd15' },
      modelHash: '0123456789',
      createdAt: new Date(clock),
      networks: { loras: [{ name: 'ink', hash: 'abcdef012345' }], embeddings: [{ name: 'tinyemb', hash: '0123abcdef' }] }
    })
    const nd = await ok<{ networks?: unknown; infotext: string }>('studio:library:get', { id: n.id })
    expect(nd.networks).toEqual({ loras: [{ name: 'ink', hash: 'abcdef012345' }], embeddings: [{ name: 'tinyemb', hash: '0123abcdef' }] })
    expect(nd.infotext).toMatch(/Lora hashes: "ink: abcdef012345", TI hashes: "tinyemb: 0123abcdef"/)
    const t = await ok<{ mime: string; data: Uint8Array }>('studio:library:thumb', { id: e.id })
    expect(t.mime).toBe('image/webp')
    expect(Buffer.from(t.data.subarray(8, 12)).toString()).toBe('WEBP')
    const img = await ok<{ mime: string; data: Uint8Array }>('studio:library:image', { id: e.id })
    expect([...img.data.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG')
    // A thumbnail that has gone is made again from the image.
    unlinkSync(e.thumb!)
    expect((await ok<{ mime: string }>('studio:library:thumb', { id: e.id })).mime).toBe('image/webp')
    const missing = await call('studio:library:get', { id: 'nope' })
    expect(!missing.ok && missing.error).toMatchObject({ field: 'id', message: expect.stringMatching(/no image "nope"/) })
  })

  it('serves the init image and mask an entry was made from, through the result sink', async () => {
    const init = await sharpPng()
    const mask = await sharp(Buffer.alloc(8 * 8, 255), { raw: { width: 8, height: 8, channels: 1 } }).png().toBuffer()
    const sink = new LibraryResultSink(new LibrarySink(lib), dir)
    const params = { ...DEFAULT_PARAMS, model: 'no-such-model', prompt: 'repainted', img2img: { image: 'sha256:x', strength: 0.7, inpaint: { ...DEFAULT_INPAINT, mask: 'sha256:y' } } }
    const id = await sink.save({ jobId: 'j', cell: 0, png: await sharpPng(), width: 8, height: 8, params, timings: {} as never, inputs: { init, mask } })
    const d = await ok<{ inputs: { init: boolean; mask: boolean } }>('studio:library:get', { id })
    expect(d.inputs).toEqual({ init: true, mask: true })
    const gotInit = await ok<{ mime: string; data: Uint8Array }>('studio:library:input', { id, role: 'init' })
    expect(gotInit.mime).toBe('image/png')
    expect(Buffer.from(gotInit.data).equals(Buffer.from(init))).toBe(true)
    expect(Buffer.from((await ok<{ data: Uint8Array }>('studio:library:input', { id, role: 'mask' })).data).equals(mask)).toBe(true)
    // A txt2img entry has none; a bad role and an unknown id name their fields.
    const plain = await save('plain')
    expect((await ok<{ inputs: unknown }>('studio:library:get', { id: plain.id })).inputs).toEqual({ init: false, mask: false })
    const none = await call('studio:library:input', { id: plain.id, role: 'mask' })
    expect(!none.ok && none.error).toMatchObject({ field: 'role', message: expect.stringMatching(/was not made from a mask/) })
    const badRole = await call('studio:library:input', { id, role: '../../etc/passwd' })
    expect(!badRole.ok && badRole.error.field).toBe('role')
    const unknown = await call('studio:library:input', { id: 'nope', role: 'init' })
    expect(!unknown.ok && unknown.error.field).toBe('id')
  })

  it('favourites and deletes (file and row together)', async () => {
    const e = await save('to delete')
    expect(await ok('studio:library:favourite', { id: e.id, favourite: true })).toEqual({ id: e.id, favourite: true })
    expect(lib.get(e.id)!.favourite).toBe(true)
    const noFlag = await call('studio:library:favourite', { id: e.id })
    expect(!noFlag.ok && noFlag.error.field).toBe('favourite')
    expect(await ok('studio:library:delete', { id: e.id })).toEqual({ deleted: e.id })
    expect(lib.get(e.id)).toBeUndefined()
    expect(existsSync(e.file)).toBe(false)
    const again = await call('studio:library:delete', { id: e.id })
    expect(!again.ok && again.error).toMatchObject({ field: 'id', message: expect.stringMatching(/no image/) })
  })

  it('says the library is off when the studio runs without one', async () => {
    const off = libraryHandlers(new LibraryHolder(null, dir)) as InvokeHandlers
    const r = await dispatch(off, 'studio:library:list', {})
    expect(!r.ok && r.error).toMatchObject({ code: 'invalid-request', field: 'library', message: expect.stringMatching(/library is off/) })
  })
})
