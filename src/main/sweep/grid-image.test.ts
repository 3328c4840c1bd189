import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, describe, expect, it } from 'vitest'
import { composeGridImage, escapeXml, fitText, GRID_COLORS, gridLayout, gridSvg, type GridImageInput } from './grid-image'
import { exportSweep, resolveCells } from './handlers'

const dirs: string[] = []
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

/** A w x h PNG of 8x8 checker squares in two colours, so blending on resize would show up as other values. */
async function checker(w: number, h: number, a: [number, number, number], b: [number, number, number]): Promise<Buffer> {
  const px = Buffer.alloc(w * h * 3)
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const c = ((x >> 3) + (y >> 3)) % 2 ? b : a
      px.set(c, (y * w + x) * 3)
    }
  return sharp(px, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer()
}

async function pixels(png: Buffer): Promise<{ data: Buffer; width: number; height: number; at(x: number, y: number): number[] }> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true })
  return { data, width: info.width, height: info.height, at: (x, y) => [...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3)] }
}

const hex = (h: string): number[] => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16))

describe('grid layout and labels', () => {
  const axes = { x: { label: 'CFG scale', values: ['1', '4', '7'] }, y: { label: 'Steps', values: ['2', '4', '6'] } }

  it('enlarges tiny cells by a whole factor to at least 256 px', () => {
    const l = gridLayout({ ...axes, title: 'a fox' }, { width: 64, height: 64 })
    expect(l.scale).toBe(4)
    expect([l.cellW, l.cellH]).toEqual([256, 256])
    expect(l.width).toBe(l.margin * 2 + l.leftW + 3 * 256 + 3 * l.gap)
    expect(l.height).toBe(l.margin * 2 + l.titleH + l.headH + 3 * 256 + 3 * l.gap)
    expect(l.titleH).toBeGreaterThan(0)
    expect(gridLayout(axes, { width: 512, height: 512 }).scale).toBe(1)
    expect(gridLayout(axes, { width: 64, height: 64 }).titleH).toBe(0)
  })

  it('shrinks cells to keep the whole image within maxSide', () => {
    const wide = { x: { label: 'Seed', values: Array.from({ length: 16 }, String) }, y: axes.y }
    const l = gridLayout({ ...wide, maxSide: 2048 }, { width: 512, height: 512 })
    expect(l.width).toBeLessThanOrEqual(2048)
    expect(l.scale).toBeLessThan(1)
  })

  it('escapes XML and cuts long text with an ellipsis', () => {
    expect(escapeXml(`a <b> & "c" 'd'`)).toBe('a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;')
    expect(fitText('a very long prompt indeed', 100, 20)).toBe('a very…')
    expect(fitText('short', 100, 20)).toBe('short')
    const input: GridImageInput = { title: 'fox & <hound>', x: { label: 'Sampler', values: ['DPM++ 2M', 'Euler <a>'] }, y: { label: 'Steps', values: ['4'] }, cells: [new Uint8Array(), 'failed'] }
    const svg = gridSvg(input, gridLayout(input, { width: 64, height: 64 }))
    expect(svg).toContain('>fox &amp; &lt;hound&gt;</text>')
    expect(svg).toContain('>Euler &lt;a&gt;</text>')
    expect(svg).toContain('>DPM++ 2M</text>')
    expect(svg).toContain('>X → Sampler</text>')
    expect(svg).toContain('>Y ↓ Steps</text>')
    expect(svg).toContain('>failed</text>')
    expect(svg).not.toMatch(/<[^/a-z!]/i) // no stray unescaped tag openers
  })
})

describe('composeGridImage', () => {
  it('draws the cells with nearest-neighbour enlargement, labels as pixels, and grey boxes for missing cells', async () => {
    const red: [number, number, number] = [220, 30, 30]
    const blue: [number, number, number] = [30, 30, 220]
    const cell = await checker(64, 64, red, blue)
    const input: GridImageInput = {
      title: 'a small red fox',
      x: { label: 'CFG scale', values: ['1', '4', '7'] },
      y: { label: 'Steps', values: ['2', '4'] },
      cells: [cell, cell, cell, cell, 'failed', cell]
    }
    const { png, width, height, layout } = await composeGridImage(input)
    const img = await pixels(png)
    expect([img.width, img.height]).toEqual([width, height])
    expect((await sharp(png).metadata()).channels).toBe(3)
    expect([width, height]).toEqual([layout.width, layout.height])

    // Cell (0,0): exactly the two source colours, no blended values from a smooth kernel.
    const { left, top } = layout.cellAt(0, 0)
    const seen = new Set<string>()
    for (let y = top; y < top + layout.cellH; y += 3) for (let x = left; x < left + layout.cellW; x += 3) seen.add(img.at(x, y).join(','))
    expect([...seen].sort()).toEqual([red.join(','), blue.join(',')].sort())
    // 8 source pixels per checker square x scale 4 = 32 output pixels.
    expect(img.at(left + 31, top)).toEqual(red)
    expect(img.at(left + 32, top)).toEqual(blue)

    // The missing cell (col 1, row 1) is the grey box, with its "failed" text drawn in the middle.
    const miss = layout.cellAt(1, 1)
    expect(img.at(miss.left + 5, miss.top + 5)).toEqual(hex(GRID_COLORS.missing))
    const band = (x0: number, y0: number, w: number, h: number, bg: number[]): number => {
      let n = 0
      for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) if (img.at(x, y).join() !== bg.join()) n++
      return n
    }
    expect(band(miss.left + 60, miss.top + layout.cellH / 2 - layout.font, layout.cellW - 120, layout.font * 2, hex(GRID_COLORS.missing))).toBeGreaterThan(20)
    // Column headers, row labels and the title were rendered: text pixels above each column and left of each row.
    const bg = hex(GRID_COLORS.background)
    for (let c = 0; c < 3; c++) {
      const { left: l } = layout.cellAt(c, 0)
      expect(band(l, layout.margin + layout.titleH, layout.cellW, layout.headH, bg), `column ${c} header`).toBeGreaterThan(10)
    }
    for (let r = 0; r < 2; r++) {
      const { top: t } = layout.cellAt(0, r)
      expect(band(layout.margin, t, layout.leftW, layout.cellH, bg), `row ${r} label`).toBeGreaterThan(10)
    }
    expect(band(layout.margin, layout.margin, width - 2 * layout.margin, layout.titleH, bg)).toBeGreaterThan(50)
    // Between the cells: background.
    expect(img.at(left + layout.cellW + 1, top + 10)).toEqual(bg)
  })

  it('keeps size differences: every cell scaled by the same factor, centred in its box', async () => {
    const small = await checker(64, 64, [255, 255, 255], [0, 0, 0])
    const big = await checker(128, 64, [255, 255, 255], [0, 0, 0])
    const { layout } = await composeGridImage({ x: { label: 'Width', values: ['64', '128'] }, y: { label: 'Seed', values: ['1'] }, cells: [small, big] })
    expect(layout.scale).toBe(4)
    expect([layout.cellW, layout.cellH]).toEqual([512, 256])
  })

  it('draws unreadable bytes as a labelled box instead of failing', async () => {
    const { png } = await composeGridImage({ x: { label: 'CFG', values: ['1'] }, y: { label: 'Steps', values: ['2'] }, cells: [new Uint8Array([1, 2, 3])] })
    expect((await sharp(png).metadata()).format).toBe('png')
  })
})

describe('exportSweep', () => {
  it('writes the PNG atomically into the exports folder and returns the same bytes; unknown ids become "missing"', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sweep-export-'))
    dirs.push(dir)
    const cell = await checker(64, 64, [200, 200, 0], [0, 100, 0])
    const store = new Map([['r1', cell]])
    const out = await exportSweep(
      { title: 'a fox', x: { label: 'CFG', values: ['1', '4', '7', '9'] }, y: { label: 'Steps', values: ['2'] }, cells: ['r1', 'gone', { missing: 'cancelled' }, null] },
      { readResult: async (id) => store.get(id), exportsDir: () => join(dir, 'exports') }
    )
    expect(out.path).toBe(join(dir, 'exports', out.fileName))
    expect(out.fileName).toMatch(/^sweep-\d{8}-\d{6}-[0-9a-f]{4}\.png$/)
    expect(readdirSync(join(dir, 'exports'))).toEqual([out.fileName]) // no temp file left behind
    expect(Buffer.from(readFileSync(out.path!)).equals(Buffer.from(out.data))).toBe(true)
    expect(out.data).not.toBeInstanceOf(Buffer)
    const meta = await sharp(out.data).metadata()
    expect([meta.width, meta.height]).toEqual([out.width, out.height])
    // Without a library there is nowhere to save: bytes only.
    const mem = await exportSweep({ x: { label: 'CFG', values: ['1'] }, y: { label: 'Steps', values: ['2'] }, cells: ['r1'] }, { readResult: async (id) => store.get(id), exportsDir: () => null })
    expect(mem.path).toBeNull()
    // What each missing cell's box says.
    expect(await resolveCells(['r1', 'gone', { missing: 'cancelled' }, null], async (id) => store.get(id))).toEqual([cell, 'missing', 'cancelled', 'failed'])
  })
})
