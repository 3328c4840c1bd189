/**
 * Runs a `randn` case: `calls` successive `torch.randn(shape)` draws from one generator seeded with
 * `seed`. `actual` is every call's float32 values concatenated in call order; the comparison is exact
 * unless the case gives `atol`/`rtol` (its vectorised-path vectors do).
 */
import { TorchGenerator } from '../engine/rng'
import { CaseFormatError, checkFields, num, numArray, numericResult } from './check'
import type { CaseResult, RawCase } from './types'

/** The seed as a number or, for values a JSON number cannot hold exactly, a decimal string. */
function readSeed(c: RawCase): number | bigint {
  const v = c.seed
  if (typeof v === 'number' && Number.isInteger(v)) return v
  if (typeof v === 'string' && /^\d+$/.test(v.trim())) return BigInt(v.trim())
  throw new CaseFormatError('field "seed" must be a non-negative integer (or a decimal string for seeds beyond 2^53)')
}

function readShape(c: RawCase): number {
  const shape = c.shape === undefined ? undefined : numArray(c.shape, 'shape')
  if (!shape || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new CaseFormatError('field "shape" must be an array of non-negative integers')
  }
  return shape.reduce((a, b) => a * b, 1)
}

export async function runRandnCase(c: RawCase, id: string): Promise<CaseResult> {
  checkFields(c, ['id', 'kind', 'seed', 'shape', 'calls', 'expected', 'atol', 'rtol', 'note'], '')
  const seed = readSeed(c)
  const n = readShape(c)
  const calls = num(c, 'calls', 1)
  if (!Number.isInteger(calls) || calls < 1) throw new CaseFormatError('field "calls" must be a positive integer')
  const gen = new TorchGenerator(seed)
  const actual: number[] = []
  for (let k = 0; k < calls; k++) {
    const values = gen.randn(n)
    for (let i = 0; i < values.length; i++) actual.push(values[i])
  }
  let expected: number[] | undefined
  if (c.expected !== undefined) {
    if (!Array.isArray(c.expected) || c.expected.length !== calls) {
      throw new CaseFormatError(`field "expected" must hold one array per call (${calls})`)
    }
    expected = []
    for (let k = 0; k < calls; k++) {
      const row = numArray(c.expected[k], `expected[${k}]`)
      if (row.length !== n) throw new CaseFormatError(`field "expected[${k}]" has ${row.length} values, the shape has ${n}`)
      expected.push(...row)
    }
  }
  return numericResult(id, c, actual, expected, { atol: 0, rtol: 0 })
}
