import { createHash } from 'node:crypto'
import { beforeEach, describe, expect, it } from 'vitest'
import { MAX_INIT_IMAGE_BYTES } from '../../../../shared/init-image'
import { clearInitImage, draftParams, useGenerateStore } from '../../store/generate'
import { chooseInitBytes, chooseInitFile } from './init-actions'
import { checkInitBytes, checkInitFileSize, img2imgSteps, initLabel, matchAspect, readInitImage, resizeNote, stepsNote, type SizeReader } from './init-image'

const PNG_HEAD = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
const png = (extra = 8): Uint8Array => new Uint8Array([...PNG_HEAD, ...new Array<number>(extra).fill(7)])
const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3])
const webp = new TextEncoder().encode('RIFF\u0000\u0000\u0000\u0000WEBPVP8 ')
const text = new TextEncoder().encode('hello, not an image')
const sized = (width: number, height: number): SizeReader => async () => ({ width, height })

describe('checking a file before it is sent', () => {
  it('takes PNG, JPEG and WebP by content, and refuses anything else naming the file', () => {
    expect(checkInitBytes(png(), 'a.png')).toBeNull()
    expect(checkInitBytes(jpeg, 'a.jpg')).toBeNull()
    expect(checkInitBytes(webp, 'a.webp')).toBeNull()
    // The name is no proof: a text file called .png is refused, an unnamed PNG is taken.
    expect(checkInitBytes(text, 'notes.png')).toBe('Init image: "notes.png" is not a PNG, JPEG or WebP image. Choose one of those.')
    expect(checkInitBytes(png(), 'picture')).toBeNull()
  })

  it('refuses empty and too-large files with the limit', () => {
    expect(checkInitFileSize(0)).toMatch(/empty/)
    expect(checkInitFileSize(MAX_INIT_IMAGE_BYTES)).toBeNull()
    expect(checkInitFileSize(MAX_INIT_IMAGE_BYTES + 1)).toBe('Init image: the file is 32.0 MiB; the limit is 32 MiB. Use a smaller image.')
    expect(checkInitFileSize(40 * 1024 * 1024)).toMatch(/40\.0 MiB; the limit is 32 MiB/)
  })
})

describe('what the worker will do with it', () => {
  it('counts the steps img2img runs as the pipeline does: floor(min(strength, 0.999) x steps) + 1', () => {
    expect(img2imgSteps(20, 0.5)).toBe(11)
    expect(img2imgSteps(20, 0.75)).toBe(16)
    expect(img2imgSteps(20, 1)).toBe(20)
    expect(img2imgSteps(20, 0)).toBe(1)
    expect(img2imgSteps(6, 0.5)).toBe(4)
    expect(stepsNote(20, 0.5)).toMatch(/^Runs 11 of 20 steps/)
    expect(stepsNote(20, Number.NaN)).toBe('Steps run: about steps × strength.')
  })

  it('says whether the image is used as is, resized or stretched (sharp fit: fill)', () => {
    expect(resizeNote({ width: 64, height: 64 }, { width: 64, height: 64 })).toBe('Used as is (64×64).')
    expect(resizeNote({ width: 512, height: 512 }, { width: 64, height: 64 })).toBe('Resized to 64×64.')
    expect(resizeNote({ width: 1024, height: 768 }, { width: 512, height: 384 })).toBe('Resized to 512×384.')
    expect(resizeNote({ width: 800, height: 600 }, { width: 512, height: 512 })).toBe('Stretched to 512×512 (4:3 vs 1:1).')
  })

  it('"Match aspect" keeps about the pixel count, in multiples of the size step', () => {
    expect(matchAspect({ width: 800, height: 600 }, { width: 512, height: 512 }, 8)).toEqual({ width: 592, height: 440 })
    expect(matchAspect({ width: 600, height: 800 }, { width: 64, height: 64 }, 8)).toEqual({ width: 56, height: 72 })
    // Never below one step, whatever the ratio.
    expect(matchAspect({ width: 4000, height: 10 }, { width: 64, height: 64 }, 8).height).toBe(8)
  })
})

describe('reading an init image', () => {
  it('labels the bytes exactly as the service does (sha256, 32 hex digits)', async () => {
    const bytes = png(40)
    expect(await initLabel(bytes)).toBe(`sha256:${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}`)
  })

  it('measures a good image and explains an undecodable one', async () => {
    const ok = await readInitImage(png(), 'cat.png', sized(300, 200))
    expect(ok).toMatchObject({ name: 'cat.png', format: 'png', width: 300, height: 200, label: expect.stringMatching(/^sha256:[0-9a-f]{32}$/) })
    const broken = await readInitImage(png(), 'cut.png', () => Promise.reject(new Error('decode')))
    expect(broken).toEqual({ error: 'Init image: "cut.png" looks like PNG but cannot be decoded (damaged or cut short?). Choose another file.' })
    expect(await readInitImage(text, 'x.txt', sized(1, 1))).toEqual({ error: expect.stringMatching(/not a PNG, JPEG or WebP/) })
  })
})

describe('choosing the init image', () => {
  beforeEach(() => clearInitImage())

  it('sets img2img on with the image, and a refused file keeps the current image with the reason', async () => {
    expect(await chooseInitBytes(png(), 'a.png', sized(64, 64))).toBe(true)
    const chosen = useGenerateStore.getState().init!
    expect(draftParams().img2img).toEqual({ image: chosen.label, strength: 0.75, inpaint: null })
    expect(await chooseInitBytes(text, 'b.txt', sized(64, 64))).toBe(false)
    expect(useGenerateStore.getState().init).toBe(chosen)
    expect(useGenerateStore.getState().initError).toMatch(/"b\.txt" is not a PNG/)
    // A good file afterwards clears the message.
    expect(await chooseInitBytes(jpeg, 'c.jpg', sized(32, 32))).toBe(true)
    expect(useGenerateStore.getState()).toMatchObject({ initError: null, init: { name: 'c.jpg', format: 'jpeg' } })
  })

  it('refuses a too-large file before reading it', async () => {
    let read = false
    const huge = { name: 'huge.png', size: MAX_INIT_IMAGE_BYTES + 1, arrayBuffer: () => ((read = true), Promise.resolve(new ArrayBuffer(0))) } as unknown as File
    expect(await chooseInitFile(huge)).toBe(false)
    expect(read).toBe(false)
    expect(useGenerateStore.getState().initError).toMatch(/the limit is 32 MiB/)
    expect(useGenerateStore.getState().init).toBeNull()
  })

  it('only the newest choice counts when an older one finishes reading later', async () => {
    let release!: () => void
    const slow: SizeReader = () => new Promise((ok) => (release = () => ok({ width: 8, height: 8 })))
    const first = chooseInitBytes(png(1), 'slow.png', slow)
    await Promise.resolve()
    expect(await chooseInitBytes(png(2), 'fast.png', sized(16, 16))).toBe(true)
    release()
    expect(await first).toBe(false)
    expect(useGenerateStore.getState().init?.name).toBe('fast.png')
  })
})
