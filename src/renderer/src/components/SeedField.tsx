/**
 * Seed with its mode (random: a fresh seed per job, shown once the job is sent; fixed; increment: seed + 1
 * after each job) and A1111's "reuse last seed" button. The field keeps the text as typed, so a half-typed
 * seed is not lost; `error` (from the form's validation) is shown under it.
 */
import { useId } from 'react'
import type { SeedMode } from '../store/generate'
import './fields.css'

export interface SeedFieldProps {
  seed: string
  mode: SeedMode
  onSeed: (seed: string) => void
  onMode: (mode: SeedMode) => void
  /** The seed the last job used; the reuse button is disabled until there is one. */
  lastSeed: string | null
  onReuse: () => void
  error?: string | null
}

const MODES: readonly { id: SeedMode; label: string; hint: string }[] = [
  { id: 'random', label: 'Random', hint: 'a fresh seed for every job' },
  { id: 'fixed', label: 'Fixed', hint: 'the same seed every job' },
  { id: 'increment', label: 'Increment', hint: 'seed + 1 after every job' }
]

export function SeedField({ seed, mode, onSeed, onMode, lastSeed, onReuse, error }: SeedFieldProps): React.JSX.Element {
  const id = useId()
  const random = mode === 'random'
  return (
    <div className="field seed-field">
      <label htmlFor={id}>Seed</label>
      <div className="seed-row">
        <input
          id={id}
          value={seed}
          inputMode="numeric"
          readOnly={random}
          aria-invalid={error ? true : undefined}
          aria-describedby={`${id}-hint`}
          title={random ? 'Random mode: each job draws a new seed and shows it here' : undefined}
          onChange={(e) => onSeed(e.target.value.trim())}
        />
        <select aria-label="Seed mode" value={mode} onChange={(e) => onMode(e.target.value as SeedMode)}>
          {MODES.map((m) => (
            <option key={m.id} value={m.id}>
              {m.label}
            </option>
          ))}
        </select>
        <button type="button" className="icon" aria-label="Reuse last seed" disabled={lastSeed === null} title={lastSeed ? `Reuse last seed (${lastSeed})` : 'Reuse last seed (none yet)'} onClick={onReuse}>
          ♻
        </button>
      </div>
      <p className={`field-desc${error ? ' warn' : ''}`} id={`${id}-hint`}>
        {error ?? MODES.find((m) => m.id === mode)!.hint}
      </p>
    </div>
  )
}
