/** `studio generate --init IMG --mask MASK.png …`: the CLI's inpainting and outpainting, end to end. */
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { blurMask } from '../../models/inpaint/mask'
import { cleanScratch, fixture, scratchDir } from '../../models/test-fixtures'
import { readTextChunks } from '../../png/chunks'
import { encodePngRgb } from '../../png/encode'
import { main } from '../studio'
import { Library } from '../../library/library'
import { run as runLibrary } from './library'

afterAll(cleanScratch)
process.env.SIGMA_STUDIO_LIBRARY = scratchDir()

async function studio(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = []
  const err: string[] = []
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) })
  return { code, out, err }
}

const dir = scratchDir()
const W = 64
const initRgb = Uint8Array.from({ length: W * W * 3 }, (_, i) => (i * 13) % 249)
const initPath = join(dir, 'init.png')
writeFileSync(initPath, encodePngRgb(initRgb, W, W))
const maskPx = Uint8Array.from({ length: W * W }, (_, p) => (p % W >= 16 && p % W < 48 && p >= W * 24 && p < W * 40 ? 255 : 0))
const maskPath = join(dir, 'mask.png')
writeFileSync(maskPath, encodePngRgb(Uint8Array.from({ length: W * W * 3 }, (_, i) => maskPx[Math.floor(i / 3)]), W, W))

async function rgb(path: string): Promise<{ width: number; height: number; data: Uint8Array }> {
  const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true })
  return { width: info.width, height: info.height, data: new Uint8Array(data) }
}

describe('studio generate: inpainting', () => {
  it('repaints inside the mask only, keeps the init image\'s size, and writes A1111\'s inpaint infotext', async () => {
    const out = join(dir, 'inpainted.png')
    const r = await studio('generate', '--model', fixture('sd1-tiny'), '--prompt', 'x', '--steps', '4', '--init', initPath, '--mask', maskPath, '--mask-blur', '2', '--masked-content', 'fill', '--out', out)
    expect(r.err).toEqual([])
    expect(r.code).toBe(0)
    const img = await rgb(out)
    expect([img.width, img.height]).toEqual([W, W])
    const blurred = blurMask({ width: W, height: W, data: maskPx }, 2)
    let changed = 0
    for (let p = 0; p < W * W; p++) {
      for (let c = 0; c < 3; c++) {
        if (blurred.data[p] === 0) expect(img.data[p * 3 + c]).toBe(initRgb[p * 3 + c])
        else if (img.data[p * 3 + c] !== initRgb[p * 3 + c]) changed++
      }
    }
    expect(changed).toBeGreaterThan(300)
    const text = Object.fromEntries(readTextChunks(readFileSync(out)).map((t) => [t.keyword, t.text])).parameters
    expect(text).toContain('Denoising strength: 0.75, Mask blur: 2, Masked content: fill, Inpaint area: Whole picture')
  })

  it('keeps the init image and mask in the library with the result, byte for byte', async () => {
    const libDir = scratchDir()
    const r = await studio('generate', '--model', fixture('sd1-tiny'), '--prompt', 'kept', '--steps', '2', '--init', initPath, '--mask', maskPath, '--library', libDir)
    expect(r.code).toBe(0)
    const lib = Library.open(libDir)
    try {
      const e = lib.list({}).items[0]
      const kept = lib.inputs(e.id)
      expect(readFileSync(kept.init!.file).equals(readFileSync(initPath))).toBe(true)
      expect(readFileSync(kept.mask!.file).equals(readFileSync(maskPath))).toBe(true)
      // A lost mask: verify says which and fails; the image itself stays.
      rmSync(kept.mask!.file)
      const lines: string[] = []
      const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')))
      try {
        expect(await runLibrary(['verify', '--library', libDir])).toBe(1)
      } finally {
        spy.mockRestore()
      }
      expect(lines.join('\n')).toContain(`init image or mask of ${e.id} is missing: ${kept.mask!.file}`)
    } finally {
      lib.close()
    }
  })

  it('outpaints: the picture grows by the given sides and the original stays where it was', async () => {
    const out = join(dir, 'outpainted.png')
    const r = await studio('generate', '--model', fixture('sd1-tiny'), '--prompt', 'x', '--steps', '3', '--init', initPath, '--outpaint', '32,0,0,16', '--mask-blur', '1', '--out', out)
    expect(r.err).toEqual([])
    const img = await rgb(out)
    expect([img.width, img.height]).toEqual([96, 80])
    // Seam band of 4 px plus the blur's reach (3 px) on the left: original columns 8.. untouched, rows 0..56.
    for (let y = 0; y < 56; y++) for (let x = 8; x < W; x++) for (let c = 0; c < 3; c++) expect(img.data[(y * 96 + x + 32) * 3 + c]).toBe(initRgb[(y * W + x) * 3 + c])
  })

  it('names the flag that is wrong', async () => {
    const bad = async (args: string[], pattern: RegExp) => {
      const r = await studio('generate', '--model', fixture('sd1-tiny'), '--prompt', 'x', ...args)
      expect(r.code).not.toBe(0)
      expect(r.err.join('\n')).toMatch(pattern)
    }
    await bad(['--mask', maskPath], /--mask needs --init IMG/)
    await bad(['--init', initPath, '--mask-blur', '3'], /needs a mask: --mask MASK\.png, --mask-from-alpha or --outpaint/)
    await bad(['--init', initPath, '--mask', maskPath, '--masked-content', 'grey'], /--masked-content: must be one of fill, original, latent-noise, latent-nothing/)
    await bad(['--init', initPath, '--mask', maskPath, '--inpaint-area', 'some'], /--inpaint-area: must be one of whole, masked/)
    await bad(['--init', initPath, '--outpaint', '1,2,3'], /--outpaint: .* left,right,top,bottom/)
    await bad(['--init', initPath, '--mask', join(dir, 'nope.png')], /mask: .*nope\.png does not exist/)
    await bad(['--init', initPath, '--outpaint', '4,0,0,0'], /width: 68 /)
  })
})
