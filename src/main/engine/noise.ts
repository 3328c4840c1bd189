/**
 * Noise sources for samplers. The app's default draws from the PyTorch-compatible generator (rng.ts);
 * the conformance runner and tests inject fixed arrays and check how many were drawn.
 */
import type { NoiseSource, Tensor } from './types'

/** Replays a fixed list of arrays in order; throws if a sampler asks for more than were given. */
export class ListNoiseSource implements NoiseSource {
  private index = 0
  constructor(private readonly arrays: readonly ArrayLike<number>[], private readonly length?: number) {}

  next(): Tensor {
    if (this.index >= this.arrays.length) {
      throw new RangeError(`noise source: sampler asked for noise array #${this.index + 1} but only ${this.arrays.length} were provided`)
    }
    const a = this.arrays[this.index++]
    if (this.length !== undefined && a.length !== this.length) {
      throw new RangeError(`noise source: array #${this.index} has length ${a.length}, the state has ${this.length}`)
    }
    return Float64Array.from(a)
  }

  /** How many arrays have been drawn so far. */
  get drawn(): number {
    return this.index
  }
}

/** A noise source that must never be asked: for deterministic samplers. Throws a clear error if it is. */
export const NO_NOISE: NoiseSource = {
  next() {
    throw new RangeError('noise source: this sampler run was given no noise source, but the sampler drew noise')
  }
}
