import type { CaseResult, RawCase } from './types'
/** Owned by the tokenizer implementer: runs `clip-tokenize/1` and `prompt-attention/1` cases. */
export async function runClipTokenizeCase(_c: RawCase, id: string): Promise<CaseResult> {
  throw new Error(`clip-tokenize cases are not implemented yet (${id})`)
}
export async function runPromptAttentionCase(_c: RawCase, id: string): Promise<CaseResult> {
  throw new Error(`prompt-attention cases are not implemented yet (${id})`)
}
