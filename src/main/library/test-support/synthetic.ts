/**
 * A synthetic library for the scale tests and the benchmark: prompts drawn from a vocabulary with a
 * Zipf-like skew, so there are very common words ("portrait" in half the prompts), rare ones (one
 * `rareN` word per 50k entries), and prefixes that match many words ("land*": landscape, landmark, …);
 * three models with a 80/15/5 split, every sampler and schedule, 2 % favourites, creation times a
 * minute apart. Deterministic for a seed.
 */
import { SAMPLERS, SCHEDULES } from '../../../shared/catalogue'
import type { IndexOnlyInput } from '../library'
import { mulberry32 } from './mulberry32'

const COMMON = ['portrait', 'landscape', 'landmark', 'landing', 'cat', 'city', 'night', 'forest', 'castle', 'ocean', 'painting', 'photo']
export const MODELS = ['sd15', 'sdxl-base', 'turbo']
const T0 = Date.parse('2024-01-01T00:00:00Z')

/** Entry `i` of the synthetic library (the same for the same seed and index). */
export function syntheticEntries(from: number, count: number, seed = 1): IndexOnlyInput[] {
  const out: IndexOnlyInput[] = []
  for (let i = from; i < from + count; i++) {
    const rand = mulberry32(seed * 1_000_003 + i)
    const words: string[] = []
    if (rand() < 0.5) words.push('portrait')
    for (let k = 0; k < 6; k++) {
      const r = rand()
      words.push(r < 0.4 ? COMMON[Math.floor(rand() * COMMON.length)] : `w${Math.floor(3000 * rand() ** 2).toString(36)}`)
    }
    if (i % 50_000 === 7) words.push(`rare${Math.floor(i / 50_000)}`)
    const m = rand()
    out.push({
      params: {
        prompt: words.join(' '),
        negativePrompt: rand() < 0.3 ? 'blurry, lowres' : '',
        sampler: SAMPLERS[Math.floor(rand() * SAMPLERS.length)].id,
        schedule: SCHEDULES[Math.floor(rand() * SCHEDULES.length)].id,
        seed: String(i),
        steps: 20,
        cfg: 7,
        width: 64,
        height: 64,
        model: MODELS[m < 0.8 ? 0 : m < 0.95 ? 1 : 2]
      },
      createdAt: new Date(T0 + i * 60_000),
      favourite: rand() < 0.02
    })
  }
  return out
}
