/**
 * Who pays for each model call of a job. Every requester of model runs (a cell's sampler, a reference
 * solve, a calibration) gets its own ModelCallHooks from the job's ledger; a run made for one requester
 * is charged to it whole, and a batched run that stacks rows of several requesters (grid cells in one
 * ORT run) counts once for the job and once for each requester in it, its time split by rows.
 *
 * So a cell's call count is the number of UNet runs its sampler asked for, the same figure whether the
 * cell ran alone or batched with others (cond + uncond of one step in one run are one call), and a
 * cell's model time is what its rows cost.
 */
import type { CellTimings } from '../../shared/api'
import type { JobTimings } from './protocol'
import { CancelledError, type ModelCallHooks, type RowShare } from './runner'

const now = (): number => performance.now()

export class CallLedger {
  /** Each hooks object this ledger made, and the cell it charges (null: the job only). */
  private readonly accounts = new WeakMap<ModelCallHooks, CellTimings | null>()

  constructor(
    private readonly job: JobTimings,
    private readonly cancelled: () => boolean
  ) {}

  /** Hooks for one requester: `cell` is charged its calls and model time; null charges only the job. */
  hooks(cell: CellTimings | null): ModelCallHooks {
    const ledger = this
    const hooks: ModelCallHooks = {
      modelCall: (rows, run) => ledger.run([{ hooks, rows }], run),
      batchCall: (shares, run) => ledger.run(shares, run),
      async auxCall(run) {
        if (ledger.cancelled()) throw new CancelledError()
        const t = now()
        try {
          return await run()
        } finally {
          ledger.job.auxMs += now() - t
        }
      }
    }
    this.accounts.set(hooks, cell)
    return hooks
  }

  private async run<T>(shares: readonly RowShare[], run: () => Promise<T>): Promise<T> {
    if (this.cancelled()) throw new CancelledError()
    const t = now()
    try {
      return await run()
    } finally {
      this.charge(shares, now() - t)
    }
  }

  /** Charges one run that took `ms`: once to the job, once to each distinct cell with its row share. */
  private charge(shares: readonly RowShare[], ms: number): void {
    const rows = new Map<CellTimings | null, number>()
    let total = 0
    for (const s of shares) {
      // Hooks this ledger did not make (should not happen) still count for the job.
      const cell = this.accounts.get(s.hooks) ?? null
      rows.set(cell, (rows.get(cell) ?? 0) + s.rows)
      total += s.rows
    }
    this.job.modelMs += ms
    this.job.modelCalls++
    this.job.modelCallMs.push(ms)
    this.job.modelRows += total
    for (const [cell, n] of rows) {
      if (!cell) continue
      cell.modelCalls++
      cell.modelMs += total > 0 ? (ms * n) / total : ms / rows.size
    }
  }
}
