/**
 * One labelled PNG from a sweep's cells, composed with sharp: an optional title line (the prompt), the
 * X axis values as column headers, the Y axis values as row labels, the axis names in the corner, and
 * the cells row by row. Text is an SVG overlay that sharp renders (librsvg), so no canvas or font files
 * of our own are needed. Light text on the studio's dark background throughout.
 *
 * Tiny cells (64x64 models) are enlarged by a whole factor with nearest-neighbour sampling, so the export
 * is legible and shows the real pixels instead of a blur. Every cell is scaled by the same factor and
 * centred in its box, so a width/height sweep keeps its size differences visible.
 */
import sharp, { type OverlayOptions } from 'sharp'
import type { SweepExportAxis } from '../../shared/sweep-export'

export interface GridImageInput {
  title?: string
  x: SweepExportAxis
  y: SweepExportAxis
  /** Row-major (Y outer, X inner): PNG/JPEG/WebP bytes, or the text to show in a grey box instead ("failed"). */
  cells: Array<Uint8Array | string>
  /** Smallest side a cell is enlarged to (default 256). */
  minCell?: number
  /** Largest width or height of the whole image (default 8192); cells shrink to fit. */
  maxSide?: number
}

export interface GridLayout {
  width: number
  height: number
  cols: number
  rows: number
  /** Each cell's box (every image is centred in it). */
  cellW: number
  cellH: number
  /** Scale applied to every cell image. */
  scale: number
  gap: number
  margin: number
  font: number
  titleH: number
  headH: number
  leftW: number
  /** Top-left corner of cell (col, row). */
  cellAt(col: number, row: number): { left: number; top: number }
}

export const GRID_COLORS = Object.freeze({
  background: '#17181c',
  text: '#e8e9ee',
  muted: '#9aa0ab',
  missing: '#3a3d45',
  missingText: '#c3c7cf'
})

/** Average advance of DejaVu/Liberation Sans per em, for truncating text to a width (a slight overestimate). */
const EM_ADVANCE = 0.62

/** Escapes text for an SVG text node or attribute. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!)
}

/** Cuts text to what fits in `px` at font size `font`, ending in an ellipsis when cut. */
export function fitText(s: string, px: number, font: number): string {
  // Control characters would make invalid XML (and nothing legible).
  const clean = s.replace(/[\u0000-\u001f\u007f]/g, ' ').trim()
  const max = Math.max(1, Math.floor(px / (font * EM_ADVANCE)))
  return clean.length <= max ? clean : `${clean.slice(0, Math.max(0, max - 1)).trimEnd()}…`
}

/** Where everything goes, from the cells' native size (the largest cell image). */
export function gridLayout(input: Pick<GridImageInput, 'title' | 'x' | 'y' | 'minCell' | 'maxSide'>, native: { width: number; height: number }): GridLayout {
  const cols = input.x.values.length
  const rows = input.y.values.length
  const minCell = input.minCell ?? 256
  const maxSide = input.maxSide ?? 8192
  // Whole-number enlargement keeps nearest-neighbour pixels square.
  let scale = Math.max(1, Math.ceil(minCell / Math.max(1, Math.min(native.width, native.height))))
  const size = (s: number): GridLayout => {
    const cellW = Math.max(1, Math.round(native.width * s))
    const cellH = Math.max(1, Math.round(native.height * s))
    const font = Math.max(12, Math.min(28, Math.round(Math.min(cellW, cellH) / 14)))
    const gap = Math.max(4, Math.round(font / 3))
    const margin = font
    const titleH = input.title?.trim() ? Math.round(font * 1.9) : 0
    const headH = Math.round(font * 2.2)
    const longest = Math.max(...input.y.values.map((v) => v.length), input.y.label.length + 3, input.x.label.length + 3)
    const leftW = Math.round(Math.min(Math.max(font * 6, longest * font * EM_ADVANCE + 2 * gap), Math.max(font * 6, cellW * 1.5)))
    const width = margin * 2 + leftW + cols * cellW + (cols - 1) * gap + gap
    const height = margin * 2 + titleH + headH + rows * cellH + (rows - 1) * gap + gap
    const top0 = margin + titleH + headH + gap
    const left0 = margin + leftW + gap
    return { width, height, cols, rows, cellW, cellH, scale: s, gap, margin, font, titleH, headH, leftW, cellAt: (c, r) => ({ left: left0 + c * (cellW + gap), top: top0 + r * (cellH + gap) }) }
  }
  let layout = size(scale)
  const over = Math.max(layout.width, layout.height) / maxSide
  if (over > 1) {
    // Shrink the cells (not the labels) until the whole image fits; a fraction now, so a smooth kernel.
    scale = scale / over
    for (let i = 0; i < 8 && Math.max(layout.width, layout.height) > maxSide; i++) {
      layout = size(scale)
      scale *= 0.97
    }
  }
  return layout
}

/** The text and the missing-cell boxes, as one SVG the size of the whole image. */
export function gridSvg(input: GridImageInput, l: GridLayout): string {
  const c = GRID_COLORS
  const family = `font-family="DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif"`
  const parts: string[] = []
  const text = (x: number, y: number, s: string, attrs: string): void => {
    parts.push(`<text x="${x}" y="${y}" ${family} ${attrs}>${escapeXml(s)}</text>`)
  }
  if (l.titleH > 0) text(l.margin, l.margin + Math.round(l.font * 1.1), fitText(input.title!, l.width - 2 * l.margin, l.font), `font-size="${l.font}" fill="${c.text}" font-weight="bold"`)
  const headTop = l.margin + l.titleH
  // Corner: which axis runs which way.
  const small = Math.max(11, Math.round(l.font * 0.8))
  text(l.margin, headTop + Math.round(small * 1.1), fitText(`X → ${input.x.label}`, l.leftW, small), `font-size="${small}" fill="${c.muted}"`)
  // A single-row sweep has no Y axis (empty label).
  if (input.y.label) text(l.margin, headTop + Math.round(small * 2.4), fitText(`Y ↓ ${input.y.label}`, l.leftW, small), `font-size="${small}" fill="${c.muted}"`)
  input.x.values.forEach((v, col) => {
    const { left } = l.cellAt(col, 0)
    text(left + l.cellW / 2, headTop + l.headH - Math.round(l.font * 0.5), fitText(v, l.cellW - l.gap, l.font), `font-size="${l.font}" fill="${c.text}" text-anchor="middle"`)
  })
  input.y.values.forEach((v, row) => {
    const { top } = l.cellAt(0, row)
    text(l.margin + l.leftW, top + l.cellH / 2 + Math.round(l.font * 0.35), fitText(v, l.leftW, l.font), `font-size="${l.font}" fill="${c.text}" text-anchor="end"`)
  })
  input.cells.forEach((cell, i) => {
    if (typeof cell !== 'string') return
    const { left, top } = l.cellAt(i % l.cols, Math.floor(i / l.cols))
    parts.push(`<rect x="${left}" y="${top}" width="${l.cellW}" height="${l.cellH}" fill="${c.missing}"/>`)
    text(left + l.cellW / 2, top + l.cellH / 2 + Math.round(l.font * 0.35), fitText(cell, l.cellW - l.gap, l.font), `font-size="${l.font}" fill="${c.missingText}" text-anchor="middle"`)
  })
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${l.width}" height="${l.height}" viewBox="0 0 ${l.width} ${l.height}">${parts.join('')}</svg>`
}

/** Composes the grid; a cell whose bytes are not a readable image is drawn as "unreadable". */
export async function composeGridImage(input: GridImageInput): Promise<{ png: Buffer; width: number; height: number; layout: GridLayout }> {
  const cols = input.x.values.length
  const rows = input.y.values.length
  if (input.cells.length !== cols * rows) throw new Error(`composeGridImage: ${input.cells.length} cells for a ${cols}x${rows} grid`)
  const metas = await Promise.all(
    input.cells.map(async (cell) => {
      if (typeof cell === 'string') return null
      try {
        const m = await sharp(cell).metadata()
        return m.width && m.height ? { width: m.width, height: m.height } : null
      } catch {
        return null
      }
    })
  )
  const cells = input.cells.map((cell, i) => (typeof cell !== 'string' && !metas[i] ? 'unreadable' : cell))
  const sizes = metas.filter((m): m is { width: number; height: number } => m !== null)
  const native = sizes.length ? { width: Math.max(...sizes.map((s) => s.width)), height: Math.max(...sizes.map((s) => s.height)) } : { width: 256, height: 256 }
  const layout = gridLayout(input, native)
  const svg = gridSvg({ ...input, cells }, layout)

  const overlays: OverlayOptions[] = [{ input: Buffer.from(svg), left: 0, top: 0 }]
  await Promise.all(
    cells.map(async (cell, i) => {
      if (typeof cell === 'string') return
      const m = metas[i]!
      const w = Math.max(1, Math.round(m.width * layout.scale))
      const h = Math.max(1, Math.round(m.height * layout.scale))
      const img = await sharp(cell)
        .removeAlpha()
        .resize(w, h, { fit: 'fill', kernel: layout.scale >= 1 ? 'nearest' : 'lanczos3' })
        .png()
        .toBuffer()
      const { left, top } = layout.cellAt(i % cols, Math.floor(i / cols))
      overlays[i + 1] = { input: img, left: left + Math.floor((layout.cellW - w) / 2), top: top + Math.floor((layout.cellH - h) / 2) }
    })
  )
  // Compositing the SVG makes the canvas RGBA; a second pass drops the (fully opaque) alpha so the file
  // is plain RGB and a quarter smaller.
  const { data, info } = await sharp({ create: { width: layout.width, height: layout.height, channels: 3, background: GRID_COLORS.background } })
    .composite(overlays.filter(Boolean))
    .raw()
    .toBuffer({ resolveWithObject: true })
  const png = await sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
    .removeAlpha()
    .png({ compressionLevel: 6 })
    .toBuffer()
  return { png, width: layout.width, height: layout.height, layout }
}
