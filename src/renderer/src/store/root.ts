/**
 * The renderer's one zustand store, made of feature slices (generate, gallery, compare, …). Each feature
 * file declares its slice's type by merging it into `Slices` and registers its initial state with
 * {@link defineSlice}, which returns a store-shaped handle bound to that slice. Features therefore keep
 * the small, familiar `useXStore(selector)` / `getState` / `setState` / `subscribe` API, while there is
 * one state tree (one devtools view, one place to persist from, cross-feature selectors possible).
 *
 * Why registration rather than one file that imports every slice: the root must not import features
 * (features import the root to register), so adding a feature never touches this file.
 */
import { create } from 'zustand'

/** The state tree: one key per feature. Features add their key with `declare module './root'`. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Slices {}

export const useStudio = create<Slices>()(() => ({}) as Slices)

export type SlicePatch<S> = Partial<S> | ((s: S) => Partial<S>)

/** A slice as a store: hook with selector, getState, setState (shallow merge into the slice), subscribe. */
export interface SliceStore<S> {
  <T>(selector: (s: S) => T): T
  getState(): S
  setState(patch: SlicePatch<S>): void
  /** Called only when this slice changed (not on other features' updates). */
  subscribe(listener: (s: S, prev: S) => void): () => void
}

export function defineSlice<K extends keyof Slices>(key: K, initial: Slices[K]): SliceStore<Slices[K]> {
  type S = Slices[K]
  // A slice already present is kept: that is a hot-reloaded feature module, and its state should survive.
  // (Two features claiming one key cannot compile: their `Slices` declarations would conflict.)
  if (!(key in useStudio.getState())) useStudio.setState({ [key]: initial } as unknown as Partial<Slices>)
  const getState = (): S => useStudio.getState()[key]
  const setState = (patch: SlicePatch<S>): void =>
    useStudio.setState((root) => {
      const cur = root[key]
      const p = typeof patch === 'function' ? patch(cur) : patch
      return { [key]: { ...cur, ...p } } as unknown as Partial<Slices>
    })
  const subscribe = (listener: (s: S, prev: S) => void): (() => void) =>
    useStudio.subscribe((s, prev) => {
      if (s[key] !== prev[key]) listener(s[key], prev[key])
    })
  const hook = <T,>(selector: (s: S) => T): T => useStudio((root) => selector(root[key]))
  return Object.assign(hook, { getState, setState, subscribe })
}
