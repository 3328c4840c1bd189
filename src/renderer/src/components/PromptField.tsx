/**
 * A prompt box with A1111's live token count ("12/75", "80/150") in its corner. Counting needs the
 * model's CLIP vocabulary, which lives in main, so the count is asked for ('studio:prompt:tokens') once
 * typing pauses; while an answer is on its way the last count stays, so the corner never flickers.
 */
import { useEffect, useId, useMemo, useState } from 'react'
import type { PromptTokens } from '../../../shared/api'
import type { StudioClient } from '../api'
import { debouncedCounter, describeChunks, formatTokenCount } from './token-count'
import './fields.css'

/** The token count of `text` under `model`, refreshed ~150 ms after the last change. */
export function usePromptTokens(client: StudioClient | null, model: string, text: string, delayMs = 150): { tokens: PromptTokens | null; error: string | null } {
  const [state, setState] = useState<{ tokens: PromptTokens | null; error: string | null }>({ tokens: null, error: null })
  const counter = useMemo(
    () =>
      client
        ? debouncedCounter(
            (t) => client.call('studio:prompt:tokens', { model, text: t }),
            (tokens, error) => setState((s) => ({ tokens: tokens ?? s.tokens, error })),
            delayMs
          )
        : null,
    [client, model, delayMs]
  )
  useEffect(() => () => counter?.dispose(), [counter])
  useEffect(() => counter?.update(text), [counter, text])
  return state
}

export interface PromptFieldProps {
  /** Visible label ("Prompt", "Negative prompt"); also the textarea's accessible name. */
  label: string
  value: string
  onChange: (text: string) => void
  client: StudioClient | null
  /** Whose tokenizer counts ('' = the default model). */
  model: string
  rows?: number
  placeholder?: string
}

export function PromptField({ label, value, onChange, client, model, rows = 3, placeholder }: PromptFieldProps): React.JSX.Element {
  const id = useId()
  const { tokens, error } = usePromptTokens(client, model, value)
  const over = tokens !== null && tokens.chunks.length > 1
  return (
    <div className="field prompt-field">
      <div className="field-head">
        <label htmlFor={id}>{label}</label>
        <span
          id={`${id}-tokens`}
          className={`token-count${over ? ' multi' : ''}${error ? ' failed' : ''}`}
          data-testid={`${label.toLowerCase().replace(/\s+/g, '-')}-tokens`}
          aria-live="polite"
          title={error ? `Cannot count tokens: ${error}` : tokens ? describeChunks(tokens) : 'Counting…'}
        >
          {tokens ? formatTokenCount(tokens) : '–/75'}
        </span>
      </div>
      <textarea id={id} aria-describedby={`${id}-tokens`} value={value} rows={rows} placeholder={placeholder} spellCheck={false} onChange={(e) => onChange(e.target.value)} />
    </div>
  )
}
