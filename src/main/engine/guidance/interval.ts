/**
 * The guidance interval of Kynkäänniemi et al. (2024), "Applying Guidance in a Limited Interval
 * Improves Sample and Distribution Quality in Diffusion Models".
 *
 * Their finding: CFG at high noise levels mostly pushes samples toward a few modes (less variety, and
 * it barely helps prompt adherence), and at low noise levels it is nearly inert; guidance pays off in a
 * middle band of sigmas. So guidance is applied only while sigma lies in [sigmaLo, sigmaHi]; outside it
 * the conditional prediction alone is used, which is one model pass instead of two.
 *
 * The paper writes the band half-open, (sigmaLo, sigmaHi]; we use the closed interval so that a sigma
 * exactly equal to either bound (e.g. a schedule that starts on sigmaHi) is guided. The two agree
 * everywhere except at sigma = sigmaLo exactly.
 */
import { EngineInputError } from '../types'
import { requireFinite } from './params'

/** A closed band of noise levels. `sigmaHi` may be Infinity ("from the very first step"). */
export interface SigmaInterval {
  sigmaLo: number
  sigmaHi: number
}

/** Checks an interval: 0 <= sigmaLo <= sigmaHi, sigmaLo finite, sigmaHi finite or +Infinity. */
export function validateInterval(interval: SigmaInterval, name = 'guidance interval'): SigmaInterval {
  if (interval === null || typeof interval !== 'object') {
    throw new EngineInputError(`${name}: got ${String(interval)}; give { sigmaLo, sigmaHi } or leave the interval out to guide at every step`)
  }
  const lo = requireFinite(interval.sigmaLo, `${name}.sigmaLo`, 'use a finite sigma >= 0 (0 = guide down to the last step)')
  if (lo < 0) throw new EngineInputError(`${name}.sigmaLo: got ${lo}; use a sigma >= 0`)
  const hi = interval.sigmaHi
  if (typeof hi !== 'number' || Number.isNaN(hi) || hi === -Infinity) {
    throw new EngineInputError(`${name}.sigmaHi: got ${String(hi)}; use a sigma >= sigmaLo, or Infinity to guide from the first step`)
  }
  if (lo > hi) {
    throw new EngineInputError(`${name}: sigmaLo ${lo} is larger than sigmaHi ${hi}; give the lower noise level first (sigmaLo <= sigmaHi)`)
  }
  return { sigmaLo: lo, sigmaHi: hi }
}

/** True when guidance applies at `sigma` (closed interval; no interval means always). */
export function inGuidanceInterval(sigma: number, interval: SigmaInterval | undefined): boolean {
  if (interval === undefined) return true
  return sigma >= interval.sigmaLo && sigma <= interval.sigmaHi
}
