/**
 * The mask being painted, as plain data so it can be tested without a browser: one byte per pixel of the
 * init image (255 = repaint), round brush dabs with a hardness falloff, eraser, invert, clear, and an
 * undo/redo history of whole snapshots (a 1024² mask is 1 MiB; the history keeps the last 40).
 */

export interface MaskBuffer {
  width: number
  height: number
  data: Uint8Array
}

export interface Brush {
  /** Diameter in image pixels. */
  size: number
  /** 0..1: 1 = a hard edge, 0 = soft all the way from the centre. */
  hardness: number
  erase: boolean
}

export function emptyMask(width: number, height: number): MaskBuffer {
  return { width, height, data: new Uint8Array(width * height) }
}

/** One round dab at (cx, cy): paint takes the max with the dab's coverage, erase the min with its inverse. */
export function dab(m: MaskBuffer, cx: number, cy: number, b: Brush): void {
  const r = Math.max(0.5, b.size / 2)
  const hard = Math.min(1, Math.max(0, b.hardness))
  const inner = r * hard
  const x0 = Math.max(0, Math.floor(cx - r))
  const x1 = Math.min(m.width - 1, Math.ceil(cx + r))
  const y0 = Math.max(0, Math.floor(cy - r))
  const y1 = Math.min(m.height - 1, Math.ceil(cy + r))
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy)
      if (d > r) continue
      const cover = d <= inner ? 1 : 1 - (d - inner) / Math.max(1e-6, r - inner)
      const v = Math.round(cover * 255)
      const i = y * m.width + x
      m.data[i] = b.erase ? Math.min(m.data[i], 255 - v) : Math.max(m.data[i], v)
    }
  }
}

/** A stroke segment: dabs every quarter of the brush radius, so fast strokes leave no gaps. */
export function strokeSegment(m: MaskBuffer, ax: number, ay: number, bx: number, by: number, b: Brush): void {
  const step = Math.max(0.5, b.size / 8)
  const n = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay) / step))
  for (let k = 0; k <= n; k++) dab(m, ax + ((bx - ax) * k) / n, ay + ((by - ay) * k) / n, b)
}

export function invertBuffer(m: MaskBuffer): void {
  for (let i = 0; i < m.data.length; i++) m.data[i] = 255 - m.data[i]
}

export function isBlank(m: MaskBuffer): boolean {
  return m.data.every((v) => v === 0)
}

/** Undo/redo of whole-mask snapshots: `push` before a change, `undo`/`redo` swap the current data. */
export class MaskHistory {
  private past: Uint8Array[] = []
  private future: Uint8Array[] = []
  constructor(private readonly limit = 40) {}

  push(current: MaskBuffer): void {
    this.past.push(Uint8Array.from(current.data))
    if (this.past.length > this.limit) this.past.shift()
    this.future = []
  }

  undo(current: MaskBuffer): boolean {
    const prev = this.past.pop()
    if (!prev) return false
    this.future.push(Uint8Array.from(current.data))
    current.data.set(prev)
    return true
  }

  redo(current: MaskBuffer): boolean {
    const next = this.future.pop()
    if (!next) return false
    this.past.push(Uint8Array.from(current.data))
    current.data.set(next)
    return true
  }

  get canUndo(): boolean {
    return this.past.length > 0
  }

  get canRedo(): boolean {
    return this.future.length > 0
  }

  clear(): void {
    this.past = []
    this.future = []
  }
}

/** Keyboard shortcuts of the editor, as A1111/Photoshop users know them; null for keys it does not take. */
export type MaskKey = 'smaller' | 'larger' | 'swap' | 'undo' | 'redo'
export function maskShortcut(e: { key: string; ctrlKey: boolean; metaKey: boolean; shiftKey: boolean }): MaskKey | null {
  const mod = e.ctrlKey || e.metaKey
  if (mod && (e.key === 'z' || e.key === 'Z')) return e.shiftKey ? 'redo' : 'undo'
  if (mod && (e.key === 'y' || e.key === 'Y')) return 'redo'
  if (mod) return null
  if (e.key === '[') return 'smaller'
  if (e.key === ']') return 'larger'
  if (e.key === 'x' || e.key === 'X') return 'swap'
  return null
}

/** The next brush size for [ and ]: steps of about 20 %, at least 1 px, within 1..512. */
export function nextBrushSize(size: number, larger: boolean): number {
  const step = Math.max(1, Math.round(size * 0.2))
  return Math.min(512, Math.max(1, size + (larger ? step : -step)))
}
