/**
 * A seeded Gaussian generator that reproduces PyTorch's CPU `torch.randn` (float32) bit for bit below
 * 16 elements and to within an ulp or two of float32 from 16 up (reference/notes/DESIGN.md, "PyTorch's CPU
 * torch.randn"). With it, a seed typed into the studio gives the same starting latent as tools built on
 * PyTorch (A1111, ComfyUI on CPU noise, diffusers with a CPU generator).
 *
 * The pieces, each matching what PyTorch does:
 * - the uniform source is the 32-bit Mersenne Twister MT19937 (Matsumoto & Nishimura 1998), seeded with
 *   the reference `init_genrand` using only the low 32 bits of the seed;
 * - fewer than 16 values: each value is a float64 Box–Muller normal (53-bit uniforms) rounded to float32;
 *   Box–Muller makes pairs, and the second of a pair is kept in the generator for the next draw, even
 *   across calls;
 * - 16 values or more: the whole tensor is first filled with 24-bit float32 uniforms, then transformed in
 *   blocks of 16 (Box–Muller between element j and j+8); a ragged tail is handled by drawing 16 fresh
 *   uniforms into the last 16 positions and transforming that block again.
 */
import type { NoiseSource, Tensor } from './types'
import { EngineInputError } from './types'

const N = 624
const M = 397
const MATRIX_A = 0x9908b0df
const UPPER_MASK = 0x80000000
const LOWER_MASK = 0x7fffffff

/** 2^-24 and 2^-53: the scales of PyTorch's float32 and float64 uniforms. */
const TWO_POW_M24 = 1 / 16777216
const TWO_POW_M53 = 1 / 9007199254740992
const TWO_POW_32 = 4294967296
const TWO_PI = 2 * Math.PI
/** 2*pi as the float32 constant the vectorised float32 path multiplies by. */
const TWO_PI_F32 = Math.fround(TWO_PI)

/** Largest seed PyTorch accepts (it stores seeds as uint64). */
const MAX_SEED = (1n << 64n) - 1n

/**
 * The 32-bit Mersenne Twister MT19937 with the reference `init_genrand` seeding. Outputs are tempered
 * 32-bit words as unsigned numbers.
 */
export class MersenneTwister {
  private readonly mt = new Uint32Array(N)
  private index = N

  constructor(seed32: number) {
    if (!Number.isInteger(seed32) || seed32 < 0 || seed32 > 0xffffffff) {
      throw new EngineInputError(`seed32 must be an integer in [0, 2^32), got ${seed32}`)
    }
    const mt = this.mt
    mt[0] = seed32 >>> 0
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30)
      // 1812433253 * prev + i, modulo 2^32 (Knuth TAOCP vol. 2, 3rd ed., p. 106 multiplier).
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0
    }
  }

  /** Regenerates all 624 words of state at once (the "twist"). */
  private twist(): void {
    const mt = this.mt
    let kk = 0
    for (; kk < N - M; kk++) {
      const y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK)
      mt[kk] = mt[kk + M] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0)
    }
    for (; kk < N - 1; kk++) {
      const y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK)
      mt[kk] = mt[kk + (M - N)] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0)
    }
    const y = (mt[N - 1] & UPPER_MASK) | (mt[0] & LOWER_MASK)
    mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0)
    this.index = 0
  }

  /** The next tempered 32-bit output, as an unsigned integer. */
  nextU32(): number {
    if (this.index >= N) this.twist()
    let y = this.mt[this.index++]
    y ^= y >>> 11
    y ^= (y << 7) & 0x9d2c5680
    y ^= (y << 15) & 0xefc60000
    y ^= y >>> 18
    return y >>> 0
  }
}

/**
 * Reduces a seed to the 32 bits MT19937 is seeded with. Seeds are integers in [0, 2^64) as number or
 * bigint (PyTorch keeps a uint64 seed but its CPU generator only uses the low 32 bits, so 5, 2^32+5 and
 * 2^40+5 give the same stream). Numbers above 2^53 are taken as the exact integer value they hold.
 */
export function seedLow32(seed: number | bigint): number {
  let big: bigint
  if (typeof seed === 'bigint') {
    big = seed
  } else if (typeof seed === 'number') {
    if (!Number.isInteger(seed)) {
      throw new EngineInputError(`seed must be a whole number in [0, 2^64), got ${seed}; round it or pick another seed`)
    }
    big = BigInt(seed)
  } else {
    throw new EngineInputError(`seed must be a number or bigint, got ${typeof seed}`)
  }
  if (big < 0n || big > MAX_SEED) {
    throw new EngineInputError(`seed must be in [0, 2^64), got ${big}; resolve "random" seeds (-1) before creating the generator`)
  }
  return Number(big & 0xffffffffn)
}

/**
 * PyTorch-compatible CPU generator: `new TorchGenerator(seed).randn(n)` equals
 * `torch.manual_seed(seed); torch.randn(n)` (float32), and successive calls continue the same stream as
 * successive `torch.randn` calls do.
 */
export class TorchGenerator {
  /** The seed as given (as bigint), for display and metadata. */
  readonly seed: bigint
  private readonly mt: MersenneTwister
  /** The second value of the last float64 Box–Muller pair, waiting to be used (PyTorch keeps it too). */
  private cachedNormal: number | null = null

  constructor(seed: number | bigint) {
    const low = seedLow32(seed)
    this.seed = typeof seed === 'bigint' ? seed : BigInt(seed)
    this.mt = new MersenneTwister(low)
  }

  /** One tempered 32-bit output of the underlying Mersenne Twister. */
  nextU32(): number {
    return this.mt.nextU32()
  }

  /** A float64 uniform in [0, 1) from 53 bits of a 64-bit draw (high word first, as PyTorch builds it). */
  private uniform53(): number {
    const hi = this.mt.nextU32()
    const lo = this.mt.nextU32()
    // (hi << 32 | lo) & (2^53 - 1) keeps the low 21 bits of hi; the product is exact in float64.
    return ((hi & 0x1fffff) * TWO_POW_32 + lo) * TWO_POW_M53
  }

  /** One float64 standard normal by Box–Muller, using (and refilling) the cached second value. */
  private normal64(): number {
    if (this.cachedNormal !== null) {
      const v = this.cachedNormal
      this.cachedNormal = null
      return v
    }
    const u1 = this.uniform53()
    const u2 = this.uniform53()
    // log1p(-u2) = log(1 - u2) without cancellation; 1 - u2 is in (0, 1], so the radius is finite.
    const r = Math.sqrt(-2 * Math.log1p(-u2))
    const theta = TWO_PI * u1
    this.cachedNormal = r * Math.sin(theta)
    return r * Math.cos(theta)
  }

  /**
   * `n` standard-normal float32 values, as `torch.randn(n)` (any shape with n elements) would give them.
   */
  randn(n: number): Float32Array {
    if (!Number.isInteger(n) || n < 0) {
      throw new EngineInputError(`randn: the element count must be a non-negative integer, got ${n}`)
    }
    const out = new Float32Array(n)
    if (n < 16) {
      for (let i = 0; i < n; i++) out[i] = this.normal64()
      return out
    }
    const mt = this.mt
    for (let i = 0; i < n; i++) out[i] = (mt.nextU32() & 0xffffff) * TWO_POW_M24
    for (let i = 0; i + 16 <= n; i += 16) boxMuller16(out, i)
    if (n % 16 !== 0) {
      // Ragged tail: PyTorch redraws the last 16 positions (overwriting values already transformed)
      // and transforms them as one more block.
      const start = n - 16
      for (let i = start; i < n; i++) out[i] = (mt.nextU32() & 0xffffff) * TWO_POW_M24
      boxMuller16(out, start)
    }
    return out
  }
}

/**
 * Box–Muller over one block of 16 float32 uniforms in place: element j (0..7) pairs with j+8, u1 = 1 - d[j]
 * (in (0, 1], so the log is finite) gives the radius and u2 = d[j+8] the angle. PyTorch does this in
 * vectorised float32; each operation here is computed in float64 and rounded to float32, which agrees
 * with it to an ulp or two.
 */
function boxMuller16(d: Float32Array, o: number): void {
  const f = Math.fround
  for (let j = 0; j < 8; j++) {
    const u1 = 1 - d[o + j]
    const u2 = d[o + j + 8]
    const radius = f(Math.sqrt(f(-2 * f(Math.log(u1)))))
    const theta = f(TWO_PI_F32 * u2)
    d[o + j] = radius * f(Math.cos(theta))
    d[o + j + 8] = radius * f(Math.sin(theta))
  }
}

/**
 * The app's default noise source for ancestral and SDE samplers: each request is a fresh
 * `gen.randn(length)` from the shared stream, widened to float64. `length` is the flat state length.
 */
export function torchNoiseSource(gen: TorchGenerator, length: number): NoiseSource {
  if (!Number.isInteger(length) || length < 1) {
    throw new EngineInputError(`noise source: length must be a positive integer (the latent's element count), got ${length}`)
  }
  return {
    next(): Tensor {
      return Float64Array.from(gen.randn(length))
    }
  }
}
