/**
 * `studio library …` and `studio presets …`, driven through their run() entry points as the
 * dispatcher will call them.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { run as library, summary as librarySummary } from './library'
import { run as presets, summary as presetsSummary } from './presets'
import { Library } from '../../library/library'

let dir: string
let out: string[]
let err: string[]
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cli-'))
  out = []
  err = []
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')))
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')))
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (out.push(String(s)), true))
})
afterEach(() => {
  vi.restoreAllMocks()
  rmSync(dir, { recursive: true, force: true })
})

async function fill(n: number): Promise<string[]> {
  const lib = Library.open(dir)
  const ids: string[] = []
  for (let i = 0; i < n; i++) {
    const e = await lib.save({ pixels: { data: new Uint8Array(8 * 8 * 3).fill(i * 20), width: 8, height: 8, channels: 3 }, params: { prompt: i % 2 ? `a fox number ${i}` : `a cat number ${i}`, sampler: i % 2 ? 'euler' : 'dpmpp_2m', model: 'sd15' }, createdAt: new Date(Date.UTC(2026, 0, 1 + i)) })
    ids.push(e.id)
  }
  lib.close()
  return ids
}

describe('studio library', () => {
  it('has a one-line summary and usage', async () => {
    expect(librarySummary).toMatch(/library/)
    expect(await library([])).toBe(2)
    expect(await library(['--help'])).toBe(0)
    expect(await library(['frobnicate', '--library', dir])).toBe(2)
    expect(await library(['list', '--bogus'])).toBe(2)
  })

  it('lists, searches, verifies, rebuilds and exports', async () => {
    const ids = await fill(5)
    expect(await library(['list', '--library', dir, '--limit', '2'])).toBe(0)
    expect(out.join('\n')).toMatch(/a fox number 3[\s\S]*1–2 of 5 \(next: --offset 2\)/)
    out = []
    expect(await library(['search', 'fox', '--library', dir, '--json'])).toBe(0)
    const page = JSON.parse(out.join(''))
    expect(page.total).toBe(2)
    out = []
    expect(await library(['list', '--library', dir, '--sampler', 'dpmpp_2m', '--from', '2026-01-02', '--to', '2026-01-03'])).toBe(0)
    expect(out.at(-1)).toBe('1–1 of 1')
    expect(await library(['verify', '--library', dir])).toBe(0)
    expect(out.at(-1)).toMatch(/^ok/)

    // break it: remove a file; verify fails, reconcile flags, rebuild re-indexes from the PNGs
    rmSync(Library.open(dir).get(ids[0])!.file)
    expect(await library(['verify', '--library', dir])).toBe(1)
    expect(out.join('\n')).toMatch(/missing file: .*INCONSISTENT/s)
    expect(await library(['rebuild', '--library', dir])).toBe(0)
    expect(out.join('\n')).toMatch(/rebuilt the index from 4 images/)
    expect(await library(['verify', '--library', dir])).toBe(0)

    const target = join(dir, 'picked')
    expect(await library(['export', '--library', dir, '--out', target, '--search', 'fox'])).toBe(0)
    expect(JSON.parse(readFileSync(join(target, 'manifest.json'), 'utf8')).items).toHaveLength(2)
    expect(await library(['export', ids[1], '--library', dir, '--out', join(dir, 'one')])).toBe(0)
    expect(existsSync(join(dir, 'one', `${ids[1]}.png`))).toBe(true)
    expect(await library(['export', '--library', dir])).toBe(2)
  })

  it('rebuilds a library whose index is garbage', async () => {
    await fill(3)
    for (const f of ['library.sqlite-wal', 'library.sqlite-shm']) rmSync(join(dir, f), { force: true })
    writeFileSync(join(dir, 'library.sqlite'), 'this is not a database at all, just garbage bytes '.repeat(100))
    expect(await library(['list', '--library', dir])).toBe(1)
    expect(err.join('\n')).toMatch(/library rebuild/)
    expect(await library(['rebuild', '--library', dir])).toBe(0)
    expect(out.join('\n')).toMatch(/rebuilt the index from 3 images[\s\S]*old index kept as .*library\.sqlite\.bak/)
    expect(await library(['verify', '--library', dir])).toBe(0)
  })

  it('says when there is no library where it looks', async () => {
    expect(await library(['verify', '--library', join(dir, 'nowhere')])).toBe(1)
    expect(err.join('\n')).toMatch(/there is no library at .*nowhere/)
  })
})

describe('studio presets', () => {
  it('imports infotext and our JSON, refuses clashes unless told, and exports every format', async () => {
    expect(presetsSummary).toMatch(/presets/)
    const lib = ['--library', dir]
    const info = join(dir, 'a1111.txt')
    writeFileSync(info, 'castle\nNegative prompt: fog\nSteps: 25, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 5, Seed: 77, Size: 640x448')
    expect(await presets(['import', info, ...lib])).toBe(0)
    expect(out.join('\n')).toMatch(/imported "a1111"/)
    expect(await presets(['import', info, ...lib])).toBe(1)
    expect(err.join('\n')).toMatch(/already exists[\s\S]*--rename[\s\S]*--overwrite/)
    expect(await presets(['import', info, '--rename', ...lib])).toBe(0)
    expect(await presets(['import', '--text', 'x\nSteps: 5, Sampler: Euler a, CFG scale: 2', '--name', 'Quick', ...lib])).toBe(0)
    out = []
    expect(await presets(['list', ...lib])).toBe(0)
    expect(out).toEqual(['a1111  (dpmpp_2m, karras, steps 25, cfg 5, 640x448)', 'a1111 (2)  (dpmpp_2m, karras, steps 25, cfg 5, 640x448)', 'Quick  (euler_ancestral, normal, steps 5, cfg 2)'])

    out = []
    expect(await presets(['export', 'a1111', '--format', 'a1111', ...lib])).toBe(0)
    expect(out.join('')).toContain('Steps: 25, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 5, Seed: 77, Size: 640x448')
    const comfy = join(dir, 'wf.json')
    expect(await presets(['export', 'a1111', '--format', 'comfy', '--out', comfy, ...lib])).toBe(0)
    expect(JSON.parse(readFileSync(comfy, 'utf8'))['3'].inputs).toMatchObject({ seed: 77, steps: 25, cfg: 5, sampler_name: 'dpmpp_2m', scheduler: 'karras' })
    const all = join(dir, 'all.json')
    expect(await presets(['export', '--all', '--out', all, ...lib])).toBe(0)
    expect(await presets(['import', all, '--presets', join(dir, 'elsewhere')])).toBe(0)
    expect(out.join('\n')).toMatch(/imported "Quick"/)

    expect(await presets(['rename', 'Quick', 'Fast', ...lib])).toBe(0)
    expect(await presets(['delete', 'Fast', ...lib])).toBe(0)
    expect(await presets(['delete', 'Fast', ...lib])).toBe(1)
    expect(err.at(-1)).toMatch(/no preset named "Fast"/)
  })

  it('reports bad files clearly and refuses newer schemas', async () => {
    const bad = join(dir, 'bad.json')
    writeFileSync(bad, JSON.stringify({ format: 'sigma-studio-preset', schemaVersion: 1, name: 'x/y', params: {}, createdAt: '2026-01-01' }))
    expect(await presets(['import', bad, '--library', dir])).toBe(1)
    expect(err.at(-1)).toMatch(/bad\.json: name: "x\/y" contains a path separator/)
    writeFileSync(bad, JSON.stringify({ format: 'sigma-studio-preset', schemaVersion: 7, name: 'n', params: {}, createdAt: '2026-01-01' }))
    expect(await presets(['import', bad, '--library', dir])).toBe(1)
    expect(err.at(-1)).toMatch(/newer Sigma Studio \(schema 7\); update the app/)
    expect(await presets(['import', '--library', dir])).toBe(2)
    expect(await presets(['export', 'x', '--format', 'svg', '--library', dir])).toBe(1) // no such preset comes first
  })
})
