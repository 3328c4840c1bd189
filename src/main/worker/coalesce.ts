/**
 * Batching of model calls across grid cells. Each cell of a grid job runs its own async sampler loop;
 * when one batched model call returns, every waiting cell resumes in the same turn of the event loop,
 * does its sampler arithmetic and asks for its next model call. A coalescer gathers the requests made
 * before the next macrotask and issues them as one call, so N cells at the same step cost one model
 * call instead of N (as long as `maxRows` allows).
 */

export interface Coalescer<Req, Res> {
  call(req: Req): Promise<Res>
  /** Model calls issued so far (each one a batch). */
  readonly batches: number
}

/**
 * `run` receives the gathered requests in arrival order and must return one result per request, in the
 * same order. A failure of the batch rejects every request in it.
 */
export function createCoalescer<Req, Res>(run: (reqs: Req[]) => Promise<Res[]>, maxRows = Infinity): Coalescer<Req, Res> {
  let pending: { req: Req; ok: (r: Res) => void; fail: (e: unknown) => void }[] = []
  let scheduled = false
  let batches = 0

  const flush = (): void => {
    scheduled = false
    while (pending.length > 0) {
      const group = pending.slice(0, maxRows)
      pending = pending.slice(group.length)
      batches++
      run(group.map((p) => p.req)).then(
        (results) => {
          if (results.length !== group.length) {
            const e = new Error(`coalescer: a batch of ${group.length} requests returned ${results.length} results`)
            for (const p of group) p.fail(e)
            return
          }
          group.forEach((p, i) => p.ok(results[i]))
        },
        (e: unknown) => {
          for (const p of group) p.fail(e)
        }
      )
    }
  }

  return {
    call(req) {
      return new Promise<Res>((ok, fail) => {
        pending.push({ req, ok, fail })
        if (!scheduled) {
          scheduled = true
          // setImmediate runs after all microtasks, i.e. after every cell resumed by the last batch
          // has had its chance to ask again.
          setImmediate(flush)
        }
      })
    },
    get batches() {
      return batches
    }
  }
}
