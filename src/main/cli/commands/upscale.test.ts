import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, describe, expect, it } from 'vitest'
import { cleanScratch, scratchDir } from '../../models/test-fixtures'
import { main } from '../studio'

afterAll(cleanScratch)

async function studio(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = []
  const err: string[] = []
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) })
  return { code, out, err }
}

async function testPng(dir: string, w: number, h: number): Promise<string> {
  const data = Buffer.alloc(w * h * 3)
  for (let i = 0; i < data.length; i++) data[i] = (i * 37) % 251
  const p = join(dir, 'in.png')
  writeFileSync(p, await sharp(data, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer())
  return p
}

describe('studio upscale', () => {
  it('upscales with the bundled emoji model, tiled, and writes a PNG of the right size', async () => {
    const dir = scratchDir()
    const src = await testPng(dir, 70, 45)
    const out = join(dir, 'up.png')
    const r = await studio('upscale', src, '--upscaler', 'emoji-upscaler-2x', '--scale', '2', '--tile', '32', '--overlap', '8', '--device', 'cpu', '--out', out)
    expect(r.err).toEqual([])
    expect(r.code).toBe(0)
    expect(r.out[0]).toMatch(/70x45 -> 140x90 with emoji-upscaler-2x \(2x model\)/)
    const meta = await sharp(readFileSync(out)).metadata()
    expect([meta.width, meta.height, meta.format]).toEqual([140, 90, 'png'])
  })

  it('lanczos to a non-integer factor; nearest', async () => {
    const dir = scratchDir()
    const src = await testPng(dir, 20, 10)
    const r = await studio('upscale', src, '--upscaler', 'lanczos', '--scale', '1.5', '--out', join(dir, 'a.png'))
    expect(r.code).toBe(0)
    expect((await sharp(join(dir, 'a.png')).metadata()).width).toBe(30)
    expect((await studio('upscale', src, '--upscaler', 'nearest', '--scale', '3', '--out', join(dir, 'b.png'))).code).toBe(0)
  })

  it('clear errors: missing image, not an image, unknown upscaler, bad factor, missing --out, memory', async () => {
    const dir = scratchDir()
    const src = await testPng(dir, 20, 10)
    const out = join(dir, 'x.png')
    let r = await studio('upscale', join(dir, 'nope.png'), '--out', out)
    expect([r.code, r.err[0]]).toEqual([2, expect.stringMatching(/nope\.png: no such image file/)])
    writeFileSync(join(dir, 'bad.png'), 'not a png')
    r = await studio('upscale', join(dir, 'bad.png'), '--out', out)
    expect([r.code, r.err[0]]).toEqual([1, expect.stringMatching(/image: cannot be read as an image .*pass a PNG, JPEG or WebP/)])
    r = await studio('upscale', src, '--upscaler', 'realesrgan', '--out', out)
    expect([r.code, r.err[0]]).toEqual([1, expect.stringMatching(/no upscaler named "realesrgan"; use one of lanczos, nearest, .*emoji-upscaler-2x/)])
    r = await studio('upscale', src, '--scale', '20', '--out', out)
    expect(r.err[0]).toMatch(/scale: 20 is not an upscale factor/)
    r = await studio('upscale', src)
    expect([r.code, r.err[0]]).toEqual([2, expect.stringMatching(/--out FILE is required/)])
    const before = process.env.SIGMA_STUDIO_MEMORY_LIMIT
    process.env.SIGMA_STUDIO_MEMORY_LIMIT = '40M'
    try {
      const big = await testPng(dir, 600, 600)
      r = await studio('upscale', big, '--upscaler', 'emoji-upscaler-2x', '--scale', '2', '--tile', '512', '--out', out)
      expect(r.code).toBe(1)
      expect(r.err[0]).toMatch(/tile: upscaling 600×600 by 2 to 1200×1200 needs about \d+ MB with tile 512, and 40 MB is available .*use --tile \d+/)
    } finally {
      if (before === undefined) delete process.env.SIGMA_STUDIO_MEMORY_LIMIT
      else process.env.SIGMA_STUDIO_MEMORY_LIMIT = before
    }
    expect(existsSync(out)).toBe(false)
  })
})
