/**
 * The A/B compare view's state: which two results are picked and how they are shown. One slice of the
 * studio store (see root.ts).
 */
import { defineSlice } from './root'

/** A picked result: enough to show it without looking back into the gallery. */
export interface ComparePick {
  /** Object URL of the image (owned by the gallery; kept alive while picked). */
  url: string
  label: string
  /** The grid cell it came from; -1 for a Generate result or a library image. */
  cell: number
}

export interface CompareState {
  a: ComparePick | null
  b: ComparePick | null
  /** Divider position of the slider overlay, 0..1 from the left (A left of it). */
  split: number
  /** Flicker mode alternates A and B in one frame. */
  flicker: boolean
}

export const initialCompareState: CompareState = { a: null, b: null, split: 0.5, flicker: false }

declare module './root' {
  interface Slices {
    compare: CompareState
  }
}

export const useCompareStore = defineSlice('compare', initialCompareState)

export const compareSelectors = {
  ready: (s: CompareState): boolean => s.a !== null && s.b !== null,
  /** URLs that must stay alive because a compare pick shows them. */
  pinnedUrls: (s: CompareState): string[] => [s.a?.url, s.b?.url].filter((u): u is string => typeof u === 'string')
}

export function pick(side: 'a' | 'b', p: ComparePick): void {
  useCompareStore.setState({ [side]: p })
}

/** Exchanges A and B (the slider and the difference sign follow). */
export function swapPicks(): void {
  useCompareStore.setState((s) => ({ a: s.b, b: s.a }))
}

/** Drops both picks; images their owners already released are freed now (see releaseWhenUnpinned). */
export function clearPicks(): void {
  useCompareStore.setState({ a: null, b: null, flicker: false })
}

//#region object URLs released while picked

/**
 * URLs whose owner (a gallery or sweep run that was replaced) released them while a pick still showed
 * them. They are revoked as soon as no pick shows them, so replacing or clearing a pick frees them.
 */
const orphans = new Set<string>()
let watching = false

function revokeUnpinned(): void {
  const pinned = compareSelectors.pinnedUrls(useCompareStore.getState())
  for (const url of orphans) {
    if (!pinned.includes(url)) {
      URL.revokeObjectURL(url)
      orphans.delete(url)
    }
  }
}

/**
 * For an owner done with an object URL: revokes it now, or, while a compare pick shows it, once the
 * pick no longer does.
 */
export function releaseWhenUnpinned(url: string): void {
  if (!watching) {
    watching = true
    useCompareStore.subscribe(revokeUnpinned)
  }
  orphans.add(url)
  revokeUnpinned()
}

/** How many released URLs still wait for their pick to go (for tests). */
export function heldForCompare(): number {
  return orphans.size
}

//#endregion
