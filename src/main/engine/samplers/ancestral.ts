/**
 * The ancestral split of a step, shared by every "ancestral" sampler (and free for group B to use).
 */

/** Where an ancestral step lands: integrate deterministically down to `sigmaDown`, then add `sigmaUp` of fresh noise. */
export interface AncestralStep {
  sigmaDown: number
  sigmaUp: number
}

/**
 * k-diffusion's get_ancestral_step: splits the step sigmaFrom → sigmaTo into a deterministic part down to
 * sigmaDown and fresh noise of size sigmaUp, with sigmaDown² + sigmaUp² = sigmaTo². eta = 1 is the DDPM
 * posterior amount of noise, eta = 0 a plain ODE step.
 */
export function ancestralStep(sigmaFrom: number, sigmaTo: number, eta = 1): AncestralStep {
  // eta = 0 (or NaN-free falsy) is the deterministic case; return sigmaTo exactly so callers can compare.
  if (!eta) return { sigmaDown: sigmaTo, sigmaUp: 0 }
  const from2 = sigmaFrom * sigmaFrom
  const to2 = sigmaTo * sigmaTo
  // Capped at sigmaTo: with a large eta the whole target level is fresh noise and sigmaDown becomes 0.
  const sigmaUp = Math.min(sigmaTo, eta * Math.sqrt((to2 * (from2 - to2)) / from2))
  const sigmaDown = Math.sqrt(to2 - sigmaUp * sigmaUp)
  return { sigmaDown, sigmaUp }
}
