/**
 * The generate view's keyboard shortcuts: Ctrl+Enter (Cmd+Enter on macOS) generates, Esc cancels the
 * shown job. They work from anywhere in the view, textareas included (Enter alone still types a newline).
 */
import { useEffect, useRef, type RefObject } from 'react'

export type ShortcutAction = 'generate' | 'cancel'

/** What a key press means, or null. Pure, for tests. */
export function shortcutFor(e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey' | 'isComposing'>): ShortcutAction | null {
  // An IME composition uses Enter and Esc itself.
  if (e.isComposing) return null
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey) return 'generate'
  if (e.key === 'Escape' && !e.ctrlKey && !e.metaKey && !e.altKey && !e.shiftKey) return 'cancel'
  return null
}

/** The aria-keyshortcuts values and the hint text shown on the buttons. */
export const SHORTCUT_HINTS: Readonly<Record<ShortcutAction, { aria: string; text: string }>> = {
  generate: { aria: 'Control+Enter Meta+Enter', text: 'Ctrl+Enter' },
  cancel: { aria: 'Escape', text: 'Esc' }
}

/**
 * Listens on the document, so the keys work when focus is on the page itself (nothing focused), and
 * acts when the event comes from inside `root` or from the bare page; keys pressed in other views or
 * dialogs are theirs. A handler that already handled the key (preventDefault) wins.
 */
export function useShortcuts(root: RefObject<HTMLElement | null>, handlers: Record<ShortcutAction, () => void>): void {
  // The latest handlers without re-subscribing on every render.
  const latest = useRef(handlers)
  latest.current = handlers
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      const action = shortcutFor(e)
      const el = root.current
      // A view kept mounted but hidden must not react to keys meant for the visible one.
      if (!action || !el || e.defaultPrevented || el.getClientRects().length === 0) return
      const t = e.target as Node | null
      const fromPage = t === document.body || t === document.documentElement || t === document
      if (!fromPage && !(t && el.contains(t))) return
      e.preventDefault()
      latest.current[action]()
    }
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  }, [root])
}
