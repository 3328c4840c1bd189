/**
 * `npm run -s conformance -- FILE.json [FILE.json …] [--json RESULTS.json]`
 *
 * Runs every case of each vector file through the same code the app uses, prints one line per failing
 * case, ends with `N passed, N failed`, and exits non-zero on any failure. With --json it always writes
 * the raw outputs ({"results":[{"id","actual"}]}), even when cases fail or carry no expected values.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { runVectorFile, type CaseResult } from '../conformance/index'
import { setTokenizerVocabDir } from '../conformance/tokenizer-case'
import { writeFileAtomic } from '../util/atomic-write'

function usage(msg?: string): never {
  if (msg) console.error(`conformance: ${msg}`)
  console.error('usage: npm run -s conformance -- FILE.json [FILE.json …] [--json RESULTS.json]')
  process.exit(2)
}

async function main(argv: string[]): Promise<number> {
  const files: string[] = []
  let jsonOut: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--json') {
      jsonOut = argv[++i]
      if (!jsonOut) usage('--json needs a file name')
    } else if (a === '--help' || a === '-h') usage()
    else if (a.startsWith('--')) usage(`unknown option ${a}`)
    else files.push(a)
  }
  if (files.length === 0) usage('no vector file given')

  const all: CaseResult[] = []
  let passed = 0
  let failed = 0
  for (const file of files) {
    let doc: unknown
    try {
      doc = JSON.parse(readFileSync(file, 'utf8'))
    } catch (e) {
      console.error(`${file}: cannot read it as JSON (${e instanceof Error ? e.message : String(e)})`)
      failed++
      continue
    }
    // Tokenizer goldens may ship their own vocabulary beside them.
    const dir = dirname(file)
    if (existsSync(join(dir, 'vocab.json')) && existsSync(join(dir, 'merges.txt'))) setTokenizerVocabDir(dir)
    let report
    try {
      report = await runVectorFile(doc)
    } catch (e) {
      console.error(`${file}: ${e instanceof Error ? e.message : String(e)}`)
      failed++
      continue
    }
    for (const r of report.results) {
      if (r.passed === false) console.log(`FAIL ${r.id}: ${r.message ?? 'mismatch'}`)
    }
    passed += report.passed
    failed += report.failed
    all.push(...report.results)
  }
  if (jsonOut) {
    const results = all.map((r) => ({ id: r.id, actual: r.actual ?? null, ...(r.passed === false ? { error: r.message } : {}) }))
    writeFileAtomic(jsonOut, JSON.stringify({ results }))
  }
  console.log(`${passed} passed, ${failed} failed`)
  return failed > 0 ? 1 : 0
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(e instanceof Error ? e.stack ?? e.message : String(e))
    process.exit(1)
  }
)
