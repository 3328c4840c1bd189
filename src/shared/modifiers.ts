/**
 * The guidance and sampling modifiers as plain data: ids, display names, one-line descriptions and
 * their numeric parameters, shared by the UI (pickers, tooltips) and the engine
 * (src/main/engine/guidance implements them).
 *
 * Where each one is applied: `cfg`, `cfg_interval`, `cfg_rescale`, `noise_injection`,
 * `dynamic_thresholding` and `clip_sample` wrap the denoiser (composeGuidance, in that chain's order);
 * `temperature` wraps the noise source and the starting noise; `ensemble` wraps the sampler.
 */

export type ModifierKind = 'guidance' | 'output' | 'noise' | 'sampler'

export interface ModifierParam {
  /** Key in the settings object. */
  readonly key: string
  readonly name: string
  /** Omitted for an optional parameter that is off (unbounded) unless set. */
  readonly default?: number
  readonly min: number
  /** Omitted when there is no upper bound. */
  readonly max?: number
  /** True when `min` itself is not allowed. */
  readonly minExclusive?: boolean
}

export interface ModifierInfo {
  readonly id: string
  readonly name: string
  readonly kind: ModifierKind
  /** One line: what it does to the numbers, and its cost. */
  readonly description: string
  /** Paper or reference it implements, if any. */
  readonly reference?: string
  readonly params: readonly ModifierParam[]
}

export const MODIFIERS = [
  {
    id: 'cfg',
    name: 'CFG scale',
    kind: 'guidance',
    description:
      'Classifier-free guidance: x0 = uncond + scale * (cond - uncond); two model passes per call, one (cond only) at scale 1.',
    reference: 'Ho & Salimans 2022, "Classifier-Free Diffusion Guidance"',
    params: [{ key: 'scale', name: 'Scale', default: 7, min: 0 }]
  },
  {
    id: 'cfg_interval',
    name: 'Guidance interval',
    kind: 'guidance',
    description:
      'Applies CFG only while sigma is in [sigma low, sigma high]; outside it the conditional prediction alone is used (one model pass).',
    reference: 'Kynkäänniemi et al. 2024, "Applying Guidance in a Limited Interval Improves Sample and Distribution Quality in Diffusion Models"',
    params: [
      { key: 'sigmaLo', name: 'Sigma low', default: 0.28, min: 0 },
      { key: 'sigmaHi', name: 'Sigma high', default: 5.42, min: 0 }
    ]
  },
  {
    id: 'cfg_rescale',
    name: 'Guidance rescale',
    kind: 'guidance',
    description:
      'Rescales the guided prediction, per image and in v space, to the conditional prediction\'s standard deviation, mixed by phi; counters over-exposure at high CFG.',
    reference: 'Lin et al. 2023, "Common Diffusion Noise Schedules and Sample Steps are Flawed", Sec. 3.4',
    params: [{ key: 'phi', name: 'Phi', default: 0.7, min: 0, max: 1 }]
  },
  {
    id: 'noise_injection',
    name: 'Noise injection',
    kind: 'noise',
    description:
      'Before each model call the model sees x + gamma * sigma * fresh noise (one extra noise array per call); changes the target distribution, an artistic tool.',
    params: [{ key: 'gamma', name: 'Gamma', default: 0.1, min: 0 }]
  },
  {
    id: 'dynamic_thresholding',
    name: 'Dynamic thresholding',
    kind: 'output',
    description:
      'Per image, s = max(1, percentile of |x0|); x0 is clamped to [-s, s] and divided by s (on latent models the percentile is over the scaled latent, not pixels).',
    reference: 'Saharia et al. 2022, "Photorealistic Text-to-Image Diffusion Models with Deep Language Understanding" (Imagen), Sec. 2.3',
    params: [
      { key: 'percentile', name: 'Percentile', default: 0.995, min: 0, max: 1, minExclusive: true },
      { key: 'maxValue', name: 'Max threshold', min: 1 }
    ]
  },
  {
    id: 'clip_sample',
    name: 'Clip x0',
    kind: 'output',
    description: 'Clamps every x0-estimate element to [-range, range] (static thresholding, diffusers\' clip_sample).',
    params: [{ key: 'range', name: 'Range', default: 1, min: 0, minExclusive: true }]
  },
  {
    id: 'temperature',
    name: 'Temperature',
    kind: 'noise',
    description:
      'Multiplies the starting noise and every noise array a stochastic sampler draws by tau; below 1 smoother, above 1 noisier; no extra model calls.',
    params: [{ key: 'tau', name: 'Tau', default: 1, min: 0, minExclusive: true }]
  },
  {
    id: 'ensemble',
    name: 'Multi-sampler ensemble',
    kind: 'sampler',
    description:
      'Runs several samplers from the same start over the same sigmas and returns the weighted mean of their results; costs the sum of their model calls; averaging ancestral results blurs.',
    params: []
  }
] as const satisfies readonly ModifierInfo[]

export type ModifierId = (typeof MODIFIERS)[number]['id']

export const MODIFIER_IDS: readonly ModifierId[] = MODIFIERS.map((m) => m.id)
