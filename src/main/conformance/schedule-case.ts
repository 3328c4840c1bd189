import type { CaseResult, RawCase } from './types'
/** Owned by the schedules implementer: runs `model_sigmas` and `schedule` cases. */
export async function runModelSigmasCase(_c: RawCase, id: string): Promise<CaseResult> {
  throw new Error(`model_sigmas cases are not implemented yet (${id})`)
}
export async function runScheduleCase(_c: RawCase, id: string): Promise<CaseResult> {
  throw new Error(`schedule cases are not implemented yet (${id})`)
}
