/**
 * What every reader of the formats layer gives back: the generation parameters the source states (only
 * those; the caller lays them over its defaults or the current form), the model it names, and in words
 * what was read but could not be carried over, so nothing is dropped silently.
 */
import type { GenerationParams } from '../../shared/params'

/** The formats the layer reads (and, except where noted, writes). */
export type FormatId =
  | 'sigma-png' // our own PNG: the exact `sigma-studio` JSON chunk
  | 'a1111' // AUTOMATIC1111 / Forge infotext (`parameters` chunk or pasted text)
  | 'comfy-api' // ComfyUI API graph (`prompt` chunk, or a saved API-format workflow)
  | 'comfy-ui' // ComfyUI UI workflow (`workflow` chunk, or a saved workflow) — read only
  | 'invokeai' // InvokeAI 3+/4+ `invokeai_metadata`
  | 'invokeai-legacy' // InvokeAI 2.x `sd-metadata` JSON or `Dream` command line — read only
  | 'diffusers-scheduler' // diffusers scheduler_config.json

export interface ModelRef {
  /** The checkpoint or model name the source records. */
  name?: string
  /** Its short hash, when the source records one. */
  hash?: string | null
}

export interface ReadResult {
  format: FormatId
  params: Partial<GenerationParams>
  model: ModelRef
  /** What was read but not carried over, or carried with a caveat; one sentence each. */
  warnings: string[]
}

type Obj = Record<string, unknown>
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * JSON.parse, but integers of 16 or more digits outside strings come back as decimal strings: seeds
 * in ComfyUI and InvokeAI files reach 2^64, beyond what a JavaScript number holds exactly.
 */
export function parseJsonKeepingBigInts(text: string): unknown {
  let out = ''
  let inString = false
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (inString) {
      if (c === '\\') i++
      else if (c === '"') inString = false
      continue
    }
    if (c === '"') inString = true
    else if (c >= '0' && c <= '9' && !/[\d.eE+-]/.test(text[i - 1] ?? '')) {
      let j = i
      while (j < text.length && text[j] >= '0' && text[j] <= '9') j++
      if (j - i >= 16 && !/[.eE]/.test(text[j] ?? '')) {
        out += text.slice(start, i) + `"${text.slice(i, j)}"`
        start = j
      }
      i = j - 1
    }
  }
  return JSON.parse(out + text.slice(start))
}
