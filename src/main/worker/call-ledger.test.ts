/** The ledger's arithmetic: whole runs for one requester, batched runs split by rows, job-only requesters. */
import { describe, expect, it } from 'vitest'
import type { CellTimings } from '../../shared/api'
import type { JobTimings } from './protocol'
import { CallLedger } from './call-ledger'
import { CancelledError } from './runner'

const cell = (): CellTimings => ({ wallMs: 0, modelMs: 0, modelCalls: 0, previewMs: 0 })
const job = (): JobTimings => ({ wallMs: 0, modelMs: 0, modelCalls: 0, modelRows: 0, previewMs: 0, previewFrames: 0, samplerMs: 0, auxMs: 0, loadMs: 0, encodeMs: 0, modelCallMs: [] })

/** A run that takes about `ms` of wall time. */
const sleep = (ms: number) => () => new Promise<string>((ok) => setTimeout(() => ok('out'), ms))

describe('CallLedger', () => {
  it('charges a run to its one requester whole, and a batched run once per requester by rows', async () => {
    const jt = job()
    const ledger = new CallLedger(jt, () => false)
    const [a, b] = [cell(), cell()]
    const ha = ledger.hooks(a)
    const hb = ledger.hooks(b)
    const ref = ledger.hooks(null)

    expect(await ha.modelCall(2, sleep(20))).toBe('out')
    expect(a.modelCalls).toBe(1)
    expect(a.modelMs).toBeCloseTo(jt.modelMs, 6)

    // a has cond and uncond as two shares (one row each), b two rows, the reference two: 6 rows.
    await hb.batchCall(
      [
        { hooks: ha, rows: 1 },
        { hooks: ha, rows: 1 },
        { hooks: hb, rows: 2 },
        { hooks: ref, rows: 2 }
      ],
      sleep(30)
    )
    const second = jt.modelCallMs[1]
    expect(jt.modelCalls).toBe(2)
    expect(jt.modelRows).toBe(8)
    expect(a.modelCalls).toBe(2) // counted once although it had two shares
    expect(b.modelCalls).toBe(1)
    expect(a.modelMs).toBeCloseTo(jt.modelCallMs[0] + second / 3, 6)
    expect(b.modelMs).toBeCloseTo(second / 3, 6)
    // The reference's third is the job's alone.
    expect(jt.modelMs - a.modelMs - b.modelMs).toBeCloseTo(second / 3, 6)
  })

  it('checks for cancellation before every run, and charges a failed run too', async () => {
    let cancelled = false
    const jt = job()
    const ledger = new CallLedger(jt, () => cancelled)
    const a = cell()
    const h = ledger.hooks(a)
    await expect(h.modelCall(1, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    expect([jt.modelCalls, a.modelCalls]).toEqual([1, 1])
    cancelled = true
    await expect(h.batchCall([{ hooks: h, rows: 1 }], sleep(1))).rejects.toBeInstanceOf(CancelledError)
    await expect(h.auxCall(sleep(1))).rejects.toBeInstanceOf(CancelledError)
    expect(jt.modelCalls).toBe(1)
  })
})
