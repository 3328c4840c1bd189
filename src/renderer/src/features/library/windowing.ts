/**
 * The arithmetic of a virtualised grid of equal tiles: how many columns fit, and which tiles a scroll
 * position shows (plus a margin of rows above and below, so fast scrolling does not flash blanks).
 */
export interface GridMetrics {
  tileWidth: number
  tileHeight: number
  gap: number
}

export interface Window {
  columns: number
  rows: number
  /** Total height of all rows (the scroll area's content). */
  height: number
  /** Tiles [first, end) are mounted. */
  first: number
  end: number
}

export function visibleWindow(count: number, viewport: { width: number; height: number; scrollTop: number }, m: GridMetrics, overscanRows = 2): Window {
  const columns = Math.max(1, Math.floor((viewport.width + m.gap) / (m.tileWidth + m.gap)))
  const rows = Math.ceil(count / columns)
  const rowHeight = m.tileHeight + m.gap
  const height = rows > 0 ? rows * rowHeight - m.gap : 0
  if (count === 0) return { columns, rows, height, first: 0, end: 0 }
  // A scroll position past the end (the list just shrank) shows the last rows.
  const firstRow = Math.max(0, Math.min(rows - 1, Math.floor(viewport.scrollTop / rowHeight)) - overscanRows)
  const lastRow = Math.min(rows - 1, Math.ceil((viewport.scrollTop + viewport.height) / rowHeight) + overscanRows)
  return { columns, rows, height, first: firstRow * columns, end: Math.min(count, (lastRow + 1) * columns) }
}

/**
 * A tile's position in the scroll area. With the viewport's width the columns spread to fill it (the
 * leftover of the last partial column goes into the gaps), so the grid has no ragged right margin.
 */
export function tilePosition(index: number, columns: number, m: GridMetrics, width?: number): { left: number; top: number } {
  const step = width !== undefined && columns > 1 ? Math.max(m.tileWidth + m.gap, (width - m.tileWidth) / (columns - 1)) : m.tileWidth + m.gap
  return { left: Math.round((index % columns) * step), top: Math.floor(index / columns) * (m.tileHeight + m.gap) }
}

/**
 * Browsers cap an element's height (Chromium near 33.5 million px): a million tiles in rows of six is
 * more. Above MAX_SCROLL_HEIGHT the scroll area is this tall and a scroll position is scaled to the
 * full height, so dragging the scrollbar to its end still reaches the last row.
 */
export const MAX_SCROLL_HEIGHT = 8_000_000

/** The scroll area's real height and the factor from a real scroll position to a position in all rows. */
export function scrollScale(fullHeight: number, viewportHeight: number): { height: number; factor: number } {
  if (fullHeight <= MAX_SCROLL_HEIGHT) return { height: fullHeight, factor: 1 }
  return { height: MAX_SCROLL_HEIGHT, factor: (fullHeight - viewportHeight) / Math.max(1, MAX_SCROLL_HEIGHT - viewportHeight) }
}
