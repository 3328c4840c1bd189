/** Seed arithmetic for the seed modes (seeds are decimal strings: PyTorch seeds are 64-bit). */

export { addToSeed, batchSeeds } from '../../../shared/params'

/** A fresh random seed. 32 bits, as A1111 draws them, so seeds stay short enough to read and type. */
export function randomSeed(random: () => number = Math.random): string {
  return String(Math.floor(random() * 2 ** 32))
}

