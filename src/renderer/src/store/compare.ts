/**
 * The A/B compare view's state: which two gallery results are picked and how they are shown. A small
 * store of its own (see store/gallery.ts for why stores are per feature).
 */
import { create } from 'zustand'

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

export const useCompareStore = create<CompareState>()(() => initialCompareState)

export const compareSelectors = {
  ready: (s: CompareState): boolean => s.a !== null && s.b !== null,
  /** URLs that must stay alive because a compare pick shows them. */
  pinnedUrls: (s: CompareState): string[] => [s.a?.url, s.b?.url].filter((u): u is string => typeof u === 'string')
}

export function pick(side: 'a' | 'b', p: ComparePick): void {
  useCompareStore.setState({ [side]: p })
}
