/**
 * Reference error of grid cells (issue 8): each comparable cell's final latent and image are measured
 * against a high-accuracy solve of the same probability-flow ODE from the same starting noise.
 *
 * This module is the runner-independent part: which cells can be measured, which cells share one
 * reference (same prompt, seed, model, CFG, size, guidance — everything the ODE depends on, but not
 * the sampler, schedule or step count), an in-memory cache per job that holds the *promise* of each
 * solve (grid cells run concurrently, and two cells needing the same reference must not both solve
 * it), and the RMSE / PSNR arithmetic. How a reference is solved is the runner's business.
 */
import type { CellMetrics } from '../../shared/api'
import type { GenerationParams } from '../../shared/params'
import { psnr, referenceComparability, rmse, type Comparability } from '../engine/reference/metrics'
import { DEFAULT_REFERENCE } from '../engine/reference/reference'
import type { SamplerOptions, Tensor } from '../engine/types'

export interface ReferenceSolution {
  /** Final latent (one image, UNet space). */
  latent: Tensor
  /** The decoded image, RGB bytes. */
  rgb: Uint8Array
  /** The reference's first sigma (its start state is sigma0 · noise). */
  sigma0: number
}

/** What runners solve references with (engine DEFAULT_REFERENCE), as the UI names it. */
export const REFERENCE_LABEL = `${DEFAULT_REFERENCE.sampler}, ${DEFAULT_REFERENCE.schedule}, ${DEFAULT_REFERENCE.steps} steps`

/** What a cell produced, for measuring: row 0 of its final latent, its image, its first sigma. */
export interface CellOutput {
  latent: Tensor
  rgb: Uint8Array
  sigma0: number
}

/**
 * Whether a cell follows the probability-flow ODE from pure noise, so its distance to the reference
 * means something. On top of the sampler's own nature (ancestral, SDE, churn, eta: engine/reference/metrics)
 * noise injection adds noise, and img2img starts from an encoded image at a partial sigma.
 */
export function cellComparability(p: GenerationParams): Comparability {
  const c = referenceComparability(p.sampler, p.samplerOptions as SamplerOptions)
  if (!c.comparable) return c
  if (p.noise.noiseInjection > 0) return { comparable: false, reason: 'noise injection adds noise during sampling' }
  if (p.img2img) return { comparable: false, reason: 'img2img starts from an encoded image, not from noise; the reference is for txt2img' }
  return c
}

/** Cells with equal keys share one reference solve. */
export function referenceKey(p: GenerationParams): string {
  return JSON.stringify([p.model, p.prompt, p.negativePrompt, p.seed, p.cfg, p.width, p.height, p.guidance, p.noise.temperature])
}

/** One job's references, by key; holds promises so concurrent cells wait for a single solve. */
export class ReferenceCache {
  private readonly solves = new Map<string, Promise<ReferenceSolution>>()

  get(key: string, solve: () => Promise<ReferenceSolution>): Promise<ReferenceSolution> {
    let p = this.solves.get(key)
    if (!p) {
      p = solve()
      // A failed or cancelled solve must not poison later cells of the job.
      p.catch(() => this.solves.delete(key))
      this.solves.set(key, p)
    }
    return p
  }

  get size(): number {
    return this.solves.size
  }
}

/** The cell's metrics against its (cached) reference; not-comparable cells never trigger a solve. */
export async function measureCell(
  params: GenerationParams,
  out: CellOutput,
  cache: ReferenceCache,
  solve: () => Promise<ReferenceSolution>
): Promise<CellMetrics> {
  const c = cellComparability(params)
  if (!c.comparable) return { comparable: false, reason: c.reason ?? 'not comparable' }
  const ref = await cache.get(referenceKey(params), solve)
  const p = psnr(out.rgb, ref.rgb, '8bit')
  return {
    comparable: true,
    rmseLatent: rmse(out.latent, ref.latent),
    // Identical images have infinite PSNR, which JSON (the web host's wire) cannot carry.
    psnr: Number.isFinite(p) ? p : null,
    reference: REFERENCE_LABEL,
    startMismatch: Math.abs(out.sigma0 - ref.sigma0) > 1e-9 * ref.sigma0
  }
}
