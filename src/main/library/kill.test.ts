/**
 * Nothing lost, whatever happens to the process: a child process saves (and now and then deletes)
 * images in a burst and is killed with SIGKILL at a random moment, many times over. After each kill a
 * reconcile pass (what the app runs at start) must leave the library consistent:
 * - no row points at a missing or partial file; every row's file is a complete PNG of the recorded size;
 * - every complete PNG under images/ has a row, and nothing had to be quarantined (no partial PNG ever
 *   appeared under a final name);
 * - no temporary file is left;
 * - every save the child reported finished is in the index, every delete it reported finished is not
 *   (a delete the kill interrupted may go either way).
 * The randomness is seeded (KILL_TEST_SEED to replay a failure); the seed is in every failure message.
 */
import { describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Library } from './library'
import { isCompletePng } from '../png/chunks'
import { mulberry32 } from './test-support/mulberry32'

const SEED = Number(process.env.KILL_TEST_SEED ?? 20261124)
const ROUNDS = Number(process.env.KILL_TEST_ROUNDS ?? 18)
// node itself with tsx as a loader: the tsx CLI would run the script in a grandchild that SIGKILL of
// the wrapper does not reach.
const TSX_LOADER = ['--import', 'tsx']
const CHILD = resolve(__dirname, 'test-support/burst-child.ts')

interface RoundLog {
  saved: string[]
  deleted: string[]
  /** Deletes started; one the kill interrupted may end either way. */
  deleting: string[]
  signal: NodeJS.Signals | null
}

/** Runs the child until `delayMs` after it is ready, then SIGKILLs it. */
function burstAndKill(dir: string, childSeed: number, delayMs: number): Promise<RoundLog> {
  return new Promise((resolveRound, reject) => {
    const child = spawn(process.execPath, [...TSX_LOADER, CHILD, dir, String(childSeed)], { stdio: ['ignore', 'pipe', 'pipe'], cwd: resolve(__dirname, '../../..') })
    const log: RoundLog = { saved: [], deleted: [], deleting: [], signal: null }
    let buf = ''
    let stderr = ''
    let timer: NodeJS.Timeout | undefined
    const giveUp = setTimeout(() => child.kill('SIGKILL'), 15_000)
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString()
      let nl
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl)
        buf = buf.slice(nl + 1)
        if (line === 'ready' && !timer) timer = setTimeout(() => child.kill('SIGKILL'), delayMs)
        else if (line.startsWith('saved ')) log.saved.push(line.slice(6))
        else if (line.startsWith('deleted ')) log.deleted.push(line.slice(8))
        else if (line.startsWith('deleting ')) log.deleting.push(line.slice(9))
      }
    })
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      clearTimeout(giveUp)
      if (timer) clearTimeout(timer)
      log.signal = signal
      if (signal !== 'SIGKILL') reject(new Error(`the burst child ended by itself (code ${code}): ${stderr}`))
      else resolveRound(log)
    })
  })
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n)
    return statSync(p).isDirectory() ? walk(p) : [p]
  })
}

describe('library survives SIGKILL during a burst of saves', () => {
  it(`stays consistent over ${ROUNDS} random kills (seed ${SEED})`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kill-'))
    const rand = mulberry32(SEED)
    const everSaved = new Set<string>()
    const everDeleted = new Set<string>()
    let totalSaved = 0
    const repaired = { indexed: 0, tempRemoved: 0, deletionsCompleted: 0, thumbnailsMade: 0 }
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const delay = Math.floor(rand() * 700)
        const log = await burstAndKill(dir, Math.floor(rand() * 2 ** 31), delay)
        const ctx = `seed ${SEED}, round ${round}, kill after ${delay} ms, ${log.saved.length} saves acknowledged`
        log.saved.forEach((id) => everSaved.add(id))
        log.deleted.forEach((id) => everDeleted.add(id))
        // an interrupted delete is finished by reconcile or never happened; both are consistent
        for (const id of log.deleting) if (!log.deleted.includes(id)) everSaved.delete(id)
        totalSaved += log.saved.length

        // The start-up pass alone (the journal, no folder scan) already keeps every promise.
        const { library: lib } = await Library.start(dir)
        try {
          const early = lib.list({ limit: 10_000 }).items
          const earlyIds = new Set(early.map((e) => e.id))
          for (const e of early) expect(existsSync(e.file), `${ctx}: after the journal pass, row ${e.id} without its file`).toBe(true)
          for (const id of everSaved) if (!everDeleted.has(id)) expect(earlyIds.has(id), `${ctx}: after the journal pass, acknowledged save ${id} lost`).toBe(true)
          for (const id of everDeleted) expect(earlyIds.has(id), `${ctx}: after the journal pass, acknowledged delete ${id} came back`).toBe(false)
          // The child was killed, so the full pass runs in the background; its report is checked below.
          expect(lib.lastShutdownClean, ctx).toBe(false)
          const rep = await lib.background!
          expect(rep.quarantined, `${ctx}: a partial or damaged PNG under a final name`).toEqual([])
          repaired.indexed += rep.indexed.length
          repaired.tempRemoved += rep.tempRemoved.length
          repaired.deletionsCompleted += rep.deletionsCompleted.length
          repaired.thumbnailsMade += rep.thumbnailsMade
          const v = lib.verify()
          expect(v.missingFiles, ctx).toEqual([])
          expect(v.unindexed, ctx).toEqual([])
          expect(v.damaged, ctx).toEqual([])
          expect(v.tempFiles, ctx).toEqual([])
          expect(v.pendingDeletions, ctx).toEqual([])
          expect(v.ok, ctx).toBe(true)

          const rows = lib.list({ limit: 10_000 }).items
          for (const e of rows) {
            expect(existsSync(e.file), `${ctx}: row ${e.id} without its file`).toBe(true)
            expect(isCompletePng(readFileSync(e.file)), `${ctx}: row ${e.id} points at a partial file`).toBe(true)
          }
          const indexed = new Set(rows.map((e) => e.id))
          const pngs = walk(join(dir, 'images'))
          for (const f of pngs) {
            expect(f.endsWith('.png'), `${ctx}: stray file ${f}`).toBe(true)
            expect(indexed.has(f.replace(/^.*[\\/]/, '').replace(/\.png$/, '')), `${ctx}: ${f} is not indexed`).toBe(true)
          }
          expect(pngs.length, ctx).toBe(rows.length)
          for (const id of everSaved) if (!everDeleted.has(id)) expect(indexed.has(id), `${ctx}: acknowledged save ${id} lost`).toBe(true)
          for (const id of everDeleted) expect(indexed.has(id), `${ctx}: acknowledged delete ${id} came back`).toBe(false)
          expect(walk(join(dir, 'thumbs')).filter((f) => f.endsWith('.tmp')), ctx).toEqual([])
        } finally {
          lib.close()
        }
      }
      // the test must actually have exercised saves; what reconcile repaired depends on timing
      console.log(`kill test (seed ${SEED}): ${totalSaved} saves acknowledged over ${ROUNDS} kills; reconcile indexed ${repaired.indexed} orphan PNGs, removed ${repaired.tempRemoved} temp files, finished ${repaired.deletionsCompleted} deletions, made ${repaired.thumbnailsMade} thumbnails`)
      expect(totalSaved).toBeGreaterThan(ROUNDS)
    } finally {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
    }
  }, 90_000)
})
