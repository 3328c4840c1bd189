/** Seed arithmetic for the seed modes (seeds are decimal strings: PyTorch seeds are 64-bit). */

const SEED_SPACE = 1n << 64n

/** A fresh random seed. 32 bits, as A1111 draws them, so seeds stay short enough to read and type. */
export function randomSeed(random: () => number = Math.random): string {
  return String(Math.floor(random() * 2 ** 32))
}

/** `seed + n`, wrapping below 2^64. `seed` must already be a valid seed (see parseSeed). */
export function addToSeed(seed: string, n: number): string {
  return ((BigInt(seed) + BigInt(n)) % SEED_SPACE).toString()
}

/** Seeds of a batch: the seed and the ones after it, as batch images are seeded. */
export function batchSeeds(seed: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => addToSeed(seed, i))
}
