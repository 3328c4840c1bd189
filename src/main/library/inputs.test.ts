import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { readImageMetadata } from '../formats/image-metadata'
import { Library } from './library'

const px = () => ({ data: new Uint8Array(16 * 16 * 3).map((_, i) => (i * 7) % 256), width: 16, height: 16, channels: 3 as const })
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')
const i2i = (init: Uint8Array, mask?: Uint8Array) => ({
  img2img: {
    image: `sha256:${sha(init).slice(0, 32)}`,
    strength: 0.6,
    inpaint: mask ? { mask: `sha256:${sha(mask).slice(0, 32)}`, maskFromAlpha: false, maskBlur: 4, maskedContent: 'original', area: 'whole', padding: 32, invert: false, outpaint: null } : null
  }
})

let dir: string
let lib: Library
let init: Buffer
let mask: Buffer
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'library-inputs-'))
  lib = Library.open(dir)
  init = await sharp(Buffer.alloc(16 * 16 * 3, 90), { raw: { width: 16, height: 16, channels: 3 } }).png().toBuffer()
  mask = await sharp(Buffer.alloc(16 * 16, 255), { raw: { width: 16, height: 16, channels: 1 } }).png().toBuffer()
})
afterEach(() => {
  lib.close()
  rmSync(dir, { recursive: true, force: true })
})

const save = (inputs: { init?: Uint8Array; mask?: Uint8Array }) =>
  lib.save({ pixels: px(), params: { prompt: 'fox', model: 'sd15', ...(inputs.init ? i2i(inputs.init, inputs.mask) : {}) }, inputs })
const inputFiles = (): string[] => (existsSync(join(dir, 'inputs')) ? readdirSync(join(dir, 'inputs')).sort() : [])

describe('init image and mask kept with the result', () => {
  it('stores them once by content, names them in the PNG and the index, and serves them back', async () => {
    const a = await save({ init, mask })
    const b = await save({ init, mask }) // a second result from the same inputs shares the files
    expect(inputFiles()).toEqual([`${sha(init)}.png`, `${sha(mask)}.png`].sort())
    const got = lib.inputs(a.id)
    expect(got.init).toEqual({ name: `${sha(init)}.png`, file: join(dir, 'inputs', `${sha(init)}.png`), mime: 'image/png' })
    expect(readFileSync(got.init!.file).equals(init)).toBe(true)
    expect(readFileSync(got.mask!.file).equals(mask)).toBe(true)
    expect(lib.inputs(b.id)).toEqual(got)
    // The PNG itself names them: the index is derived data.
    expect(readImageMetadata(readFileSync(a.file)).meta?.inputs).toEqual({ init: `${sha(init)}.png`, mask: `${sha(mask)}.png` })
    // The params' label is a prefix of the content address.
    expect(`${sha(init)}.png`.startsWith(a.params.img2img!.image.slice('sha256:'.length))).toBe(true)
    expect(lib.verify({ deep: true }).ok).toBe(true)
    // A txt2img result has none.
    expect(lib.inputs((await save({})).id)).toEqual({})
  })

  it('keeps a JPEG init image as .jpg, byte for byte, and refuses bytes that are no image', async () => {
    const jpeg = await sharp(Buffer.alloc(8 * 8 * 3, 30), { raw: { width: 8, height: 8, channels: 3 } }).jpeg().toBuffer()
    const e = await save({ init: jpeg })
    expect(lib.inputs(e.id).init).toMatchObject({ name: `${sha(jpeg)}.jpg`, mime: 'image/jpeg' })
    expect(readFileSync(lib.inputs(e.id).init!.file).equals(jpeg)).toBe(true)
    await expect(lib.save({ pixels: px(), params: { prompt: 'x', model: 'sd15' }, inputs: { mask: new Uint8Array([1, 2, 3]) } })).rejects.toThrow(/the mask to keep is not a PNG, JPEG or WebP file/)
  })

  it('removes an input with the last entry that references it, not before', async () => {
    const a = await save({ init, mask })
    const other = await sharp(Buffer.alloc(16 * 16, 0), { raw: { width: 16, height: 16, channels: 1 } }).png().toBuffer()
    const b = await save({ init, mask: other })
    lib.delete(a.id)
    // The init image is still b's; a's mask was a's alone.
    expect(inputFiles()).toEqual([`${sha(init)}.png`, `${sha(other)}.png`].sort())
    lib.delete(b.id)
    expect(inputFiles()).toEqual([])
    expect(lib.verify().ok).toBe(true)
  })

  it('a rebuilt index references the inputs again, and a full reconcile never removes a referenced one', async () => {
    const a = await save({ init, mask })
    const old = Date.now() / 1000 - 3 * 3600
    for (const f of inputFiles()) utimesSync(join(dir, 'inputs', f), old, old)
    await lib.rebuild()
    expect(lib.inputs(a.id).mask?.name).toBe(`${sha(mask)}.png`)
    const r = await lib.reconcile({ full: true })
    expect(r.orphanInputsRemoved ?? 0).toBe(0)
    expect(inputFiles()).toHaveLength(2)
    expect(lib.verify({ deep: true }).ok).toBe(true)
  })

  it('a full reconcile removes old inputs no entry names (a crash mid-deletion), sparing young ones and files not ours', async () => {
    const orphan = await sharp(Buffer.alloc(4 * 4 * 3, 1), { raw: { width: 4, height: 4, channels: 3 } }).png().toBuffer()
    const young = await sharp(Buffer.alloc(4 * 4 * 3, 2), { raw: { width: 4, height: 4, channels: 3 } }).png().toBuffer()
    await save({ init }) // makes inputs/
    const folder = join(dir, 'inputs')
    writeFileSync(join(folder, `${sha(orphan)}.png`), orphan)
    writeFileSync(join(folder, `${sha(young)}.png`), young)
    writeFileSync(join(folder, 'notes.txt'), 'mine')
    const old = Date.now() / 1000 - 3 * 3600
    utimesSync(join(folder, `${sha(orphan)}.png`), old, old)
    utimesSync(join(folder, `${sha(init)}.png`), old, old)
    // A library opened now: only what is older than the grace period (and than the opening) may go.
    lib.close()
    lib = Library.open(dir)
    const r = await lib.reconcile({ full: true })
    expect(r.orphanInputsRemoved).toBe(1)
    expect(inputFiles()).toEqual([`${sha(init)}.png`, `${sha(young)}.png`, 'notes.txt'].sort())
  })

  it('verify reports a referenced input that is missing, and (deep) one whose bytes changed', async () => {
    const a = await save({ init, mask })
    const maskFile = lib.inputs(a.id).mask!.file
    writeFileSync(maskFile, Buffer.concat([mask.subarray(0, mask.length - 1), Buffer.from([mask[mask.length - 1] ^ 1])]))
    expect(lib.verify().ok).toBe(true) // a shallow check only looks for the file
    const deep = lib.verify({ deep: true })
    expect(deep.ok).toBe(false)
    expect(deep.inputProblems).toEqual([{ id: a.id, file: maskFile, reason: 'its bytes differ from those saved (SHA-256 mismatch)' }])
    rmSync(lib.inputs(a.id).init!.file)
    expect(lib.verify().inputProblems).toEqual([{ id: a.id, file: join(dir, 'inputs', `${sha(init)}.png`), reason: 'is missing' }])
  })
})
