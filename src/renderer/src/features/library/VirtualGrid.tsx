/**
 * A virtualised grid of equal tiles: only the rows in view (and a couple around them) are mounted, so a
 * library of thousands of images costs as much as one screenful (each tile carries its position in the
 * list for assistive technology, since most of the list is not in the page). Calls onNearEnd when the last rows come
 * into view (to load the next page).
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'react'
import { tilePosition, visibleWindow, type GridMetrics } from './windowing'

export interface VirtualGridProps<T> {
  items: readonly T[]
  metrics: GridMetrics
  keyOf: (item: T) => string
  render: (item: T, index: number) => React.ReactNode
  onNearEnd: () => void
  label: string
}

export function VirtualGrid<T>({ items, metrics, keyOf, render, onNearEnd, label }: VirtualGridProps<T>): React.JSX.Element {
  const scroller = useRef<HTMLDivElement>(null)
  const [viewport, setViewport] = useState({ width: 0, height: 0, scrollTop: 0 })

  useLayoutEffect(() => {
    const el = scroller.current
    if (!el) return
    const measure = (): void => setViewport({ width: el.clientWidth, height: el.clientHeight, scrollTop: el.scrollTop })
    measure()
    const ro = new ResizeObserver(measure)
    ro.observe(el)
    return () => ro.disconnect()
  }, [])

  const w = visibleWindow(items.length, viewport, metrics)
  const nearEnd = viewport.width > 0 && w.end >= items.length - w.columns
  useEffect(() => {
    if (nearEnd) onNearEnd()
  }, [nearEnd, items.length, onNearEnd])

  const tiles: React.ReactNode[] = []
  for (let i = w.first; i < w.end; i++) {
    const item = items[i]
    const { left, top } = tilePosition(i, w.columns, metrics, viewport.width)
    tiles.push(
      <div key={keyOf(item)} role="listitem" aria-posinset={i + 1} aria-setsize={items.length} className="vgrid-tile" style={{ left, top, width: metrics.tileWidth, height: metrics.tileHeight }}>
        {render(item, i)}
      </div>
    )
  }
  return (
    <div
      ref={scroller}
      className="vgrid"
      onScroll={(e) => {
        const el = e.currentTarget
        setViewport((v) => (v.scrollTop === el.scrollTop ? v : { ...v, scrollTop: el.scrollTop }))
      }}
    >
      <div role="list" aria-label={label} className="vgrid-content" style={{ height: w.height }}>
        {tiles}
      </div>
    </div>
  )
}
