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
