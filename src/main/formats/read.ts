/**
 * One entry for "what settings does this file hold": a PNG (our chunks, A1111 `parameters`, ComfyUI
 * `prompt`/`workflow`, InvokeAI `invokeai_metadata`/`sd-metadata`/`Dream`), a JSON file (ComfyUI API
 * graph or UI workflow, InvokeAI metadata, a diffusers scheduler_config.json) or text (A1111 infotext,
 * an InvokeAI Dream line). Presets import, `studio presets import` and the Generate view's drop all
 * come through here, so they read every file alike. Our own preset JSON is the presets layer's.
 */
import type { ScheduleFamilyHint } from '../../shared/catalogue'
import { decodeTextChunk, isPngSignature, MAX_TEXT_CHUNK_BYTES, MAX_TEXT_TOTAL_BYTES, parseChunks, PngError, textChunkKeyword } from '../png/chunks'
import { SETTINGS_TEXT_KEYWORDS } from '../../shared/png-chunks'
import { readComfyApiGraph, isComfyApiGraph } from './comfy-read'
import { isComfyUiWorkflow, uiWorkflowToApiGraph } from './comfy-ui-graph'
import { readSchedulerConfig } from './diffusers-scheduler'
import { FormatError } from './errors'
import { PARAMETERS_KEYWORD, SIGMA_KEYWORD, validateImageMetadata } from './image-metadata'
import { infotextToParams } from './infotext'
import { INVOKEAI_DREAM_KEYWORD, INVOKEAI_KEYWORD, INVOKEAI_LEGACY_KEYWORD, readInvokeAiDream, readInvokeAiLegacy, readInvokeAiMetadata } from './invokeai'
import { isObj, parseJsonKeepingBigInts, type ReadResult } from './types'

export interface ReadOptions {
  /** File name or description, for messages. */
  source?: string
  /** The model family, for names that depend on it (A1111's "Align Your Steps"). */
  family?: ScheduleFamilyHint
}

/**
 * PNG text keywords that carry settings, in the order they are preferred; the list lives in shared so
 * the renderer keeps the same chunks when it shrinks a PNG before sending it (read.test.ts checks it
 * names every keyword the readers below use).
 */
export const SETTINGS_KEYWORDS = SETTINGS_TEXT_KEYWORDS

/** The settings text chunks of a PNG (only those are ever inflated), by keyword. */
export function readSettingsChunks(png: Uint8Array, what = 'the PNG'): Map<string, string> {
  const out = new Map<string, string>()
  let left = MAX_TEXT_TOTAL_BYTES
  for (const c of parseChunks(png, what)) {
    const k = textChunkKeyword(c)
    if (k === undefined || !(SETTINGS_KEYWORDS as readonly string[]).includes(k) || out.has(k)) continue
    const t = decodeTextChunk(c, Math.min(left, MAX_TEXT_CHUNK_BYTES))
    if (t) {
      out.set(k, t.text)
      left -= Buffer.byteLength(t.text)
    }
  }
  return out
}

function json(text: string, what: string, source?: string): unknown {
  try {
    return parseJsonKeepingBigInts(text)
  } catch (e) {
    throw new FormatError(`is not valid JSON (${(e as Error).message})`, what, source)
  }
}

/** Reads the settings a PNG carries. Throws FormatError when it carries none we can read. */
export function readPngSettings(png: Uint8Array, opts: ReadOptions = {}): ReadResult {
  const src = opts.source
  let chunks: Map<string, string>
  try {
    chunks = readSettingsChunks(png, src ?? 'the PNG')
  } catch (e) {
    if (e instanceof PngError) throw new FormatError(`${e.message}; it cannot be read`, undefined, src)
    throw e
  }
  const problems: string[] = []
  const ours = chunks.get(SIGMA_KEYWORD)
  if (ours !== undefined) {
    try {
      const notes: string[] = []
      const meta = validateImageMetadata(JSON.parse(ours), src ?? 'the image', notes)
      return { format: 'sigma-png', params: meta.params, model: { name: meta.modelName, hash: meta.modelHash }, warnings: notes }
    } catch (e) {
      problems.push(`its sigma-studio chunk could not be used (${(e as Error).message})`)
    }
  }
  const withProblems = (r: ReadResult): ReadResult => ({ ...r, warnings: [...problems, ...r.warnings] })
  const a1111 = chunks.get(PARAMETERS_KEYWORD)
  if (a1111 !== undefined) return withProblems({ format: 'a1111', ...infotextToParams(a1111, { source: src, family: opts.family }) })
  const prompt = chunks.get('prompt')
  if (prompt !== undefined) {
    const g = json(prompt, 'prompt (ComfyUI graph)', src)
    if (isComfyApiGraph(g)) return withProblems(readComfyApiGraph(g, src))
  }
  const workflow = chunks.get('workflow')
  if (workflow !== undefined) return withProblems(readComfyApiGraph(uiWorkflowToApiGraph(json(workflow, 'workflow (ComfyUI)', src), src), src))
  const invoke = chunks.get(INVOKEAI_KEYWORD)
  if (invoke !== undefined) return withProblems(readInvokeAiMetadata(json(invoke, INVOKEAI_KEYWORD, src), src))
  const legacy = chunks.get(INVOKEAI_LEGACY_KEYWORD)
  if (legacy !== undefined) return withProblems(readInvokeAiLegacy(json(legacy, INVOKEAI_LEGACY_KEYWORD, src), src))
  const dream = chunks.get(INVOKEAI_DREAM_KEYWORD)
  if (dream !== undefined) return withProblems(readInvokeAiDream(dream, src))
  throw new FormatError(
    problems[0] ?? `this PNG carries no generation settings (none of the text chunks ${SETTINGS_KEYWORDS.join(', ')})`,
    undefined,
    src
  )
}

/** Reads settings from a parsed JSON document of another tool, or undefined when it is none of them. */
export function readForeignJson(doc: unknown, opts: ReadOptions = {}): ReadResult | undefined {
  const src = opts.source
  if (isComfyApiGraph(doc)) return readComfyApiGraph(doc, src)
  if (isComfyUiWorkflow(doc)) return readComfyApiGraph(uiWorkflowToApiGraph(doc, src), src)
  // A saved API request { prompt: graph } or a PNG's chunks exported as JSON { prompt, workflow }.
  if (isObj(doc) && isComfyApiGraph(doc.prompt)) return readComfyApiGraph(doc.prompt, src)
  if (isObj(doc) && typeof doc._class_name === 'string' && /Scheduler$/.test(doc._class_name)) return readSchedulerConfig(doc, src)
  if (isObj(doc) && ('positive_prompt' in doc || 'generation_mode' in doc)) return readInvokeAiMetadata(doc, src)
  if (isObj(doc) && isObj(doc.image) && ('app_id' in doc || 'model_weights' in doc || 'sampler' in doc.image)) return readInvokeAiLegacy(doc, src)
  return undefined
}

/** Reads settings from text: a foreign JSON document, an InvokeAI Dream line, or A1111 infotext. */
export function readTextSettings(text: string, opts: ReadOptions = {}): ReadResult {
  const t = text.replace(/^\uFEFF/, '').trim()
  if (t.startsWith('{')) {
    const r = readForeignJson(json(t, '(file)', opts.source), opts)
    if (r) return r
    throw new FormatError('is JSON, but not a ComfyUI workflow, InvokeAI metadata or a diffusers scheduler config', undefined, opts.source)
  }
  if (/^"(?:\\.|[^"\\])*"\s+-/.test(t)) return readInvokeAiDream(t, opts.source)
  return { format: 'a1111', ...infotextToParams(t, { source: opts.source, family: opts.family }) }
}

/** Reads settings from a file's bytes: PNG, or text (see readTextSettings). */
export function readSettings(bytes: Uint8Array, opts: ReadOptions = {}): ReadResult {
  if (isPngSignature(bytes)) return readPngSettings(bytes, opts)
  return readTextSettings(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'), opts)
}
