/**
 * Which view of the studio is shown. A slice (not App's local state) so a feature can switch views —
 * "Use these settings" in the library or "Apply" on a preset opens the Generate form.
 */
import { defineSlice } from './root'

/** A tab of the shell; features add theirs here. */
export type View = 'generate' | 'gallery' | 'sweep' | 'compare' | 'library' | 'presets' | 'models' | 'settings' | 'catalogue'

export interface UiState {
  view: View
}

export const initialUiState: UiState = { view: 'generate' }

declare module './root' {
  interface Slices {
    ui: UiState
  }
}

export const useUiStore = defineSlice('ui', initialUiState)

export function showView(view: View): void {
  useUiStore.setState({ view })
}
