/** Sampler group B (filled in by its implementer). */
import type { Sampler } from '../types'

export const GROUP_B: Record<string, Sampler> = {}
