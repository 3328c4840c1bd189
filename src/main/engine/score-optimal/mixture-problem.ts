/**
 * A "dataset-like" analytic test problem for schedule comparisons: an isotropic Gaussian mixture in a few
 * dozen dimensions with SD-latent-like scale (about 1 per coordinate) and fine structure (small component
 * variances), plus the start-noise generator the app uses. Deterministic given its seed.
 */
import type { GaussianMixture } from '../gmm'
import { TorchGenerator } from '../rng'

export interface MixtureProblemOptions {
  dim?: number
  components?: number
  /** Standard deviation of the component means per coordinate. */
  meanScale?: number
  /** Component variances are log-uniform in [varMin, varMax]. */
  varMin?: number
  varMax?: number
  seed?: number
}

/** Defaults: 16-D, 12 components, means ~ N(0, 0.9²), variances in [0.003, 0.05]. */
export function datasetLikeMixture(o: MixtureProblemOptions = {}): GaussianMixture {
  const dim = o.dim ?? 16
  const K = o.components ?? 12
  const meanScale = o.meanScale ?? 0.9
  const varMin = o.varMin ?? 0.003
  const varMax = o.varMax ?? 0.05
  const gen = new TorchGenerator(o.seed ?? 1234)
  const means = Array.from(gen.randn(K * dim), (z) => z * meanScale)
  const u = (): number => gen.nextU32() / 4294967296
  const variances = Array.from({ length: K }, () => Math.exp(Math.log(varMin) + u() * (Math.log(varMax) - Math.log(varMin))))
  const raw = Array.from({ length: K }, () => 0.5 + u())
  const s = raw.reduce((a, b) => a + b, 0)
  return { dim, weights: raw.map((w) => w / s), means, variances }
}

/** Unit start noise for a seed, as the app draws it (torch.randn-compatible), widened to float64. */
export function torchStartNoise(length: number): (seed: number) => Float64Array {
  return (seed) => Float64Array.from(new TorchGenerator(seed).randn(length))
}
