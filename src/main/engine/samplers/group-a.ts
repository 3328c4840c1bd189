/** Sampler group A (filled in by its implementer). */
import type { Sampler } from '../types'

export const GROUP_A: Record<string, Sampler> = {}
