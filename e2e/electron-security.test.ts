/**
 * Electron security scan (@doyensec/electronegativity) over the built app: no high-severity finding.
 * A deliberately insecure control app must be flagged, so the scan is known to be looking.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { OUT, ROOT } from './paths'

interface Finding {
  check: string
  file: string
  location: string
  severity: string
  confidence: string
}

const scratch = mkdtempSync(join(tmpdir(), 'egscan-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/**
 * Runs the scanner over `input` and reads its findings table. (Its SARIF output does not keep the
 * severity, so the table is parsed: a check's row, then — after a "*Review Required*" row where there is one — "SEVERITY | CONFIDENCE".)
 */
function scan(input: string): Finding[] {
  const bin = join(ROOT, 'node_modules/.bin/electronegativity')
  // -e pins the Electron version so the scanner does not try to fetch release data from the network.
  const r = spawnSync(bin, ['-i', input, '-e', '45.0.0', '-r', '-v', 'false'], { encoding: 'utf8', timeout: 120_000 })
  const text = `${r.stdout}\n${r.stderr}`.replace(/\x1b\[[0-9;]*m/g, '')
  if (!/check\(s\) successfully loaded/.test(text)) throw new Error(`electronegativity did not run its checks (exit ${r.status}): ${text.slice(0, 2000)}`)
  const lines = text.split('\n')
  const findings: Finding[] = []
  for (let i = 0; i < lines.length; i++) {
    const row = /^│\s*([A-Z0-9_]+_CHECK)\s*│\s*([^│]*?)\s*│\s*([^│]*?)\s*│/.exec(lines[i])
    if (!row) continue
    // The severity row follows, after a "*Review Required*" row when the finding needs a human look.
    for (let j = i + 1; j < Math.min(lines.length, i + 4); j++) {
      const sev = /^│\s*(CRITICAL|HIGH|MEDIUM|LOW|INFORMATIONAL)\s*\|\s*(\w+)/.exec(lines[j])
      if (sev) {
        findings.push({ check: row[1], file: row[2], location: row[3], severity: sev[1], confidence: sev[2] })
        break
      }
    }
  }
  return findings
}

const high = (fs: Finding[]): string[] =>
  fs.filter((f) => f.severity === 'HIGH' || f.severity === 'CRITICAL').map((f) => `${f.check} (${f.severity}, ${f.confidence}) at ${f.file}:${f.location}`)

describe('Electron security scan', () => {
  it('flags an insecure control app (the scan is looking)', () => {
    const bad = join(scratch, 'bad')
    mkdirSync(bad)
    writeFileSync(
      join(bad, 'main.js'),
      `const { BrowserWindow } = require('electron')\nnew BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, webSecurity: false } })\n`
    )
    expect(high(scan(bad)).map((f) => f.split(' ')[0])).toEqual(expect.arrayContaining(['CONTEXT_ISOLATION_JS_CHECK', 'LIMIT_NAVIGATION_GLOBAL_CHECK']))
  }, 180_000)

  it('reports no high-severity finding for the built app', () => {
    if (!existsSync(join(OUT, 'main/index.js'))) throw new Error('out/main/index.js is missing: run "npm run build" first')
    const findings = scan(OUT)
    expect(findings.length).toBeGreaterThan(0) // the table was read (the app has low/medium review notes)
    expect(high(findings)).toEqual([])
  }, 180_000)
})
