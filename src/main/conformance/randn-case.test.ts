import { describe, expect, it } from 'vitest'
import { itPassesEachPublicCase } from './public-cases.test-support'
import { runRandnCase } from './randn-case'
import type { RawCase } from './types'

describe('randn conformance cases', () => {
  itPassesEachPublicCase('randn')

  it('produces actual values even without expected ones, and fails on a wrong expectation', async () => {
    const c: RawCase = { id: 'x', kind: 'randn', seed: 0, shape: [2, 2], calls: 2 }
    const r = await runRandnCase(c, 'x')
    expect(r.passed).toBeUndefined()
    expect((r.actual as number[]).length).toBe(8)
    expect((r.actual as number[])[0]).toBeCloseTo(1.541, 3)
    const wrong = await runRandnCase({ ...c, calls: 1, expected: [[1.541, -0.2934, -2.1788, 0.5684]] }, 'x')
    expect(wrong.passed).toBe(false) // rounded values are not exact float32 values
  })

  it('reads big seeds from decimal strings and rejects malformed fields', async () => {
    const a = await runRandnCase({ seed: '4294967301', shape: [3] }, 'a') // 2^32 + 5
    const b = await runRandnCase({ seed: 5, shape: [3] }, 'b')
    expect(a.actual).toEqual(b.actual)
    await expect(runRandnCase({ seed: -1, shape: [3] }, 'c')).rejects.toThrow(/seed/)
    await expect(runRandnCase({ seed: 1, shape: [1.5] }, 'c')).rejects.toThrow(/shape/)
    await expect(runRandnCase({ seed: 1, shape: [2], calls: 2, expected: [[1, 2]] }, 'c')).rejects.toThrow(/one array per call/)
  })
})
