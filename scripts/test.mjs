#!/usr/bin/env node
// `npm test`: the whole suite a newcomer and CI run. Type-checks both processes, builds the app
// (the browser tests load the built renderer), runs every vitest suite (unit, integration, conformance,
// end-to-end), and ends with one plain line: "N passed, N failed, N skipped".
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const bin = (name) => join(process.cwd(), 'node_modules', '.bin', name)

function step(title, cmd, args) {
  console.log(`\n== ${title}`)
  const r = spawnSync(cmd, args, { stdio: 'inherit' })
  if (r.status !== 0) {
    console.error(`\n${title} failed (exit ${r.status ?? r.signal}).`)
    console.log('0 passed, 1 failed')
    process.exit(1)
  }
}

step('type check (main, preload, shared, tools)', bin('tsc'), ['-p', 'tsconfig.node.json'])
step('type check (renderer)', bin('tsc'), ['-p', 'tsconfig.web.json'])
step('build (electron-vite)', bin('electron-vite'), ['build'])

const dir = mkdtempSync(join(tmpdir(), 'sigma-test-'))
const report = join(dir, 'vitest.json')
console.log('\n== tests (vitest)')
const r = spawnSync(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)], {
  stdio: 'inherit'
})
let passed = 0
let failed = 0
let skipped = 0
try {
  const j = JSON.parse(readFileSync(report, 'utf8'))
  passed = j.numPassedTests
  // Failed tests, plus files that failed without a failing test (an import or hook error), each once:
  // vitest's numFailedTestSuites also counts every describe block around a failed test.
  const brokenFiles = (j.testResults ?? []).filter((f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed')).length
  failed = j.numFailedTests + brokenFiles
  skipped = (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0)
} catch {
  failed = Math.max(1, failed)
}
rmSync(dir, { recursive: true, force: true })
if (r.status !== 0 && failed === 0) failed = 1
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`)
process.exit(failed > 0 || r.status !== 0 ? 1 : 0)
