/** The prompt token counter's text and the debounced request behind it (kept apart from React for tests). */
import type { PromptTokens } from '../../../shared/api'

/** "12/75", or "80/150" once a prompt spills into a second chunk, as A1111 shows it. */
export function formatTokenCount(t: PromptTokens): string {
  return `${t.total}/${t.limit}`
}

/** The tooltip: tokens per chunk, so a user sees where a BREAK or a long phrase split the prompt. */
export function describeChunks(t: PromptTokens): string {
  if (t.chunks.length <= 1) return `${t.total} of ${t.limit} tokens in one chunk`
  return `${t.chunks.length} chunks of up to 75 tokens: ${t.chunks.join(' + ')}`
}

/**
 * Calls `count` once typing pauses for `delayMs`, and delivers only the newest answer: an answer to an
 * older text that arrives late is dropped, so the counter never shows a stale number.
 */
export function debouncedCounter<T>(
  count: (text: string) => Promise<T>,
  deliver: (result: T | null, error: string | null) => void,
  delayMs = 150
): { update(text: string): void; dispose(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined
  let seq = 0
  let disposed = false
  return {
    update(text: string): void {
      clearTimeout(timer)
      const mine = ++seq
      timer = setTimeout(() => {
        count(text).then(
          (r) => !disposed && mine === seq && deliver(r, null),
          (e: unknown) => !disposed && mine === seq && deliver(null, e instanceof Error ? e.message : String(e))
        )
      }, delayMs)
    },
    dispose(): void {
      disposed = true
      clearTimeout(timer)
    }
  }
}
