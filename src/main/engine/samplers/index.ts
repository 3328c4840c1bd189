/**
 * The sampler registry: ComfyUI's KSampler ids mapped to their implementations.
 * Display names, descriptions and aliases live in the shared catalogue (src/shared/catalogue.ts);
 * a test checks that the two list the same ids.
 */
import type { Sampler } from '../types'
import { EngineInputError } from '../types'
import { GROUP_A } from './group-a'
import { GROUP_B } from './group-b'

export const SAMPLERS: Readonly<Record<string, Sampler>> = Object.freeze({ ...GROUP_A, ...GROUP_B })

export type SamplerId = keyof typeof SAMPLERS

/** Looks a sampler up by id; an unknown id is an error that lists the known ones. */
export function getSampler(id: string): Sampler {
  const s = Object.prototype.hasOwnProperty.call(SAMPLERS, id) ? SAMPLERS[id] : undefined
  if (!s) {
    throw new EngineInputError(`unknown sampler "${id}"; known samplers: ${Object.keys(SAMPLERS).join(', ')}`)
  }
  return s
}
