/**
 * The dependency rule, enforced: every relative import of every file under src/ is parsed and checked
 * against the layers the README's architecture section names —
 *
 *     shared ← engine ← models ← worker ← service ← {electron, cli, web}
 *
 * with the supporting folders placed between them (LAYER below); the renderer sees only src/shared
 * and itself, the preload only src/shared; src/shared and the renderer use no Node module. No file
 * may take part in an import circle. Test files that reach upward do so only when listed in
 * TEST_EXCEPTIONS with the reason, so a new upward import is a decision, never an accident.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, normalize, relative } from 'node:path'
import { builtinModules } from 'node:module'
import { describe, expect, it } from 'vitest'

const ROOT = normalize(join(__dirname, '..'))

/**
 * Each src/main folder's layer: a file may import its own folder, and folders of a lower layer only.
 * Folders on one layer do not import each other (worker and library know nothing of one another).
 */
const LAYER: Record<string, number> = {
  shared: 0,
  'main/util': 1, // atomic writes, hashing, paths: below everything in main
  'main/engine': 2, // pure numerics
  'main/png': 2, // PNG chunks
  'main/models': 3,
  'main/formats': 3, // other tools' files, below presets and library
  'main/conformance': 4, // the vector runner drives engine and models
  'main/worker': 4,
  'main/library': 4,
  'main/presets': 4,
  'main/settings': 5,
  'main/sweep': 5,
  'main/service': 6,
  'main/farm': 7, // dispatches the service's cells to render nodes
  'main/cli': 8,
  'main/web': 8,
  'main/electron': 8,
  'main/(root)': 9 // src/main/index.ts, the Electron entry (wires electron/)
}

/**
 * Test files allowed to import from above their own layer, and why. Keyed by file (relative to src/),
 * each with the areas it may reach; an entry that is no longer needed fails the test too.
 */
const TEST_EXCEPTIONS: Record<string, { areas: string[]; why: string }> = {
  'main/engine/samplers/group-a.test.ts': { areas: ['main/conformance'], why: 'checks the samplers against the conformance vectors' },
  'main/engine/samplers/group-b.test.ts': { areas: ['main/conformance'], why: 'checks the samplers against the conformance vectors' },
  'main/models/prompt/clip-tokenizer.test.ts': { areas: ['main/conformance'], why: 'reads the reference tokenizer files' },
  'main/models/prompt/prompt-attention.test.ts': { areas: ['main/conformance'], why: 'reads the reference prompt-weighting cases' },
  'main/models/prompt/prompt-chunks.test.ts': { areas: ['main/conformance'], why: 'reads the reference 75-token chunking cases' },
  'main/models/checkpoint/import.test.ts': { areas: ['main/service'], why: 'checks that the service lists the imported model folder' },
  'main/worker/cell-calls.test.ts': { areas: ['main/service'], why: 'drives the worker through the service' },
  'main/worker/onnx-runner.test.ts': { areas: ['main/service'], why: 'drives the worker through the service' },
  'main/worker/reference-metrics.test.ts': { areas: ['main/service'], why: 'drives the worker through the service' },
  'main/sweep/sweep-service.test.ts': { areas: ['main/service'], why: 'runs sweeps through the service and its library sink' },
  'main/png/bombs.test.ts': { areas: ['main/formats'], why: 'checks that reading image metadata refuses the same deflate bombs' },
  'main/farm/farm.test.ts': { areas: ['main/cli'], why: 'runs `studio sweep --farm` against a password-protected Redis' },
  'main/service/calibrate.test.ts': { areas: ['main/cli'], why: 'checks that the app finds the profile `studio evaluate schedules` cached' }
}

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && e.name !== 'fixtures') walk(p, out)
    } else if (/\.(ts|tsx|mts)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p)
  }
  return out
}

/** The area a file (relative to src/) belongs to: shared, renderer, preload, main/<folder>. */
function areaOf(rel: string): string {
  const parts = rel.split('/')
  if (parts[0] !== 'main') return parts[0]
  return parts.length > 2 ? `main/${parts[1]}` : 'main/(root)'
}

interface Import {
  from: string
  /** Relative to src/, without extension; for a package import, the package name. */
  to: string
  relative: boolean
}

/** Every import, export-from, dynamic import and vi.mock of a file (comments stripped first). */
function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1')
  const from = relative(ROOT, file)
  const out: Import[] = []
  const re = /\b(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|\bvi\.mock\(\s*['"]([^'"]+)['"]/g
  for (const m of text.matchAll(re)) {
    const spec = m[1] ?? m[2] ?? m[3]
    if (spec.startsWith('.')) out.push({ from, to: relative(ROOT, normalize(join(dirname(file), spec))).replace(/\.(ts|tsx|js|mjs)$/, ''), relative: true })
    else out.push({ from, to: spec, relative: false })
  }
  return out
}

const files = walk(ROOT)
const all = files.flatMap(importsOf)
const isTest = (rel: string): boolean => /\.test\.tsx?$/.test(rel) || rel.includes('/test-support/') || /(^|\/)test-[\w-]+\.ts$/.test(rel)

describe('dependency rule', () => {
  it('parses the imports of every source file', () => {
    expect(files.length).toBeGreaterThan(200)
    expect(all.filter((i) => i.relative).length).toBeGreaterThan(1000)
    // Every main folder has a layer, so a new folder is placed on purpose.
    const folders = readdirSync(join(ROOT, 'main'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => `main/${e.name}`)
    expect(folders.filter((f) => LAYER[f] === undefined)).toEqual([])
  })

  it('imports only run down the layers (test files only where TEST_EXCEPTIONS says why)', () => {
    const bad: string[] = []
    const used = new Set<string>()
    for (const i of all.filter((x) => x.relative)) {
      const a = areaOf(i.from)
      const b = areaOf(i.to)
      if (a === b) continue
      let ok: boolean
      if (a === 'renderer') ok = b === 'shared'
      else if (a === 'preload') ok = b === 'shared'
      else if (a === 'shared') ok = false
      else if (b === 'renderer' || b === 'preload') ok = false
      else ok = LAYER[a] !== undefined && LAYER[b] !== undefined && LAYER[b] < LAYER[a]
      if (ok) continue
      const ex = TEST_EXCEPTIONS[i.from]
      if (ex && isTest(i.from) && ex.areas.includes(b)) {
        used.add(i.from)
        continue
      }
      bad.push(`${i.from} imports ${i.to} (${a} may not depend on ${b})`)
    }
    expect(bad).toEqual([])
    expect(Object.keys(TEST_EXCEPTIONS).filter((f) => !used.has(f)), 'exceptions no longer needed: remove them').toEqual([])
  })

  it('src/shared and the renderer use no Node module (both run in the browser)', () => {
    const node = new Set(builtinModules)
    const bad = all.filter((i) => !i.relative && ['shared', 'renderer'].includes(areaOf(i.from)) && !isTest(i.from) && (i.to.startsWith('node:') || node.has(i.to.split('/')[0])))
    expect(bad.map((i) => `${i.from} imports ${i.to}`)).toEqual([])
  })

  it('no file takes part in an import circle', () => {
    // Tarjan's strongly connected components over the file graph; any component of two or more
    // files (or a file importing itself) is a circle.
    const known = new Set(files.map((f) => relative(ROOT, f).replace(/\.(ts|tsx|mts)$/, '')))
    const resolve = (to: string): string | undefined => (known.has(to) ? to : known.has(`${to}/index`) ? `${to}/index` : undefined)
    const edges = new Map<string, string[]>()
    for (const k of known) edges.set(k, [])
    for (const i of all.filter((x) => x.relative)) {
      const t = resolve(i.to)
      if (t) edges.get(i.from.replace(/\.(ts|tsx|mts)$/, ''))!.push(t)
    }
    let counter = 0
    const index = new Map<string, number>()
    const low = new Map<string, number>()
    const stack: string[] = []
    const onStack = new Set<string>()
    const circles: string[][] = []
    const visit = (v: string): void => {
      index.set(v, counter)
      low.set(v, counter++)
      stack.push(v)
      onStack.add(v)
      for (const w of edges.get(v)!) {
        if (!index.has(w)) {
          visit(w)
          low.set(v, Math.min(low.get(v)!, low.get(w)!))
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!))
      }
      if (low.get(v) === index.get(v)) {
        const comp: string[] = []
        let w: string
        do {
          w = stack.pop()!
          onStack.delete(w)
          comp.push(w)
        } while (w !== v)
        if (comp.length > 1 || edges.get(v)!.includes(v)) circles.push(comp.sort())
      }
    }
    for (const v of known) if (!index.has(v)) visit(v)
    expect(circles).toEqual([])
  })
})
