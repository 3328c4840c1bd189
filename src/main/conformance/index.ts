/**
 * The conformance runner's core: runs every case of a vector file through the same code the app uses.
 * Formats: `diffusion-conformance/1` (randn, model_sigmas, schedule, sampler), `clip-tokenize/1` and
 * `prompt-attention/1`. An unsupported format, kind or name is a failed case, never a skipped one.
 */
import { caseId } from './check'
import { runRandnCase } from './randn-case'
import { runSamplerCase } from './sampler-case'
import { runModelSigmasCase, runScheduleCase } from './schedule-case'
import { runClipTokenizeCase, runPromptAttentionCase } from './tokenizer-case'
import type { CaseResult, CaseRunner, RawCase } from './types'

export type { CaseResult, RawCase } from './types'

type IdRunner = (c: RawCase, id: string) => Promise<CaseResult>

const DIFFUSION_KINDS: Record<string, IdRunner> = {
  randn: runRandnCase,
  model_sigmas: runModelSigmasCase,
  schedule: runScheduleCase,
  sampler: runSamplerCase
}

/** Picks the runner for one case of a file in `format`. */
function runnerFor(format: string, c: RawCase): IdRunner | string {
  switch (format) {
    case 'diffusion-conformance/1': {
      const kind = typeof c.kind === 'string' ? c.kind : undefined
      if (!kind) return 'case has no "kind"'
      return Object.prototype.hasOwnProperty.call(DIFFUSION_KINDS, kind) ? DIFFUSION_KINDS[kind] : `unsupported case kind "${kind}"`
    }
    case 'clip-tokenize/1':
      return runClipTokenizeCase
    case 'prompt-attention/1':
      return runPromptAttentionCase
    default:
      return `unsupported format "${format}"`
  }
}

/** Runs one case; any error it raises becomes a failed result carrying the message. */
export const runCase = async (format: string, c: RawCase, index: number): Promise<CaseResult> => {
  const id = caseId(c, index)
  const runner = runnerFor(format, c)
  if (typeof runner === 'string') return { id, passed: false, message: runner }
  try {
    return await runner(c, id)
  } catch (e) {
    return { id, passed: false, message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) }
  }
}

export interface FileReport {
  format: string
  results: CaseResult[]
  passed: number
  failed: number
}

/** Runs every case of a parsed vector file. A case without expected values counts as neither. */
export async function runVectorFile(doc: unknown): Promise<FileReport> {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new Error('the file is not a JSON object with "format" and "cases"')
  }
  const d = doc as { format?: unknown; cases?: unknown }
  const format = typeof d.format === 'string' ? d.format : ''
  if (!Array.isArray(d.cases)) throw new Error('the file has no "cases" array')
  const results: CaseResult[] = []
  for (let i = 0; i < d.cases.length; i++) {
    const c = d.cases[i]
    const raw: RawCase = typeof c === 'object' && c !== null ? (c as RawCase) : {}
    results.push(format ? await runCase(format, raw, i) : { id: caseId(raw, i), passed: false, message: 'the file has no "format"' })
  }
  return {
    format,
    results,
    passed: results.filter((r) => r.passed === true).length,
    failed: results.filter((r) => r.passed === false).length
  }
}

export type { CaseRunner }
