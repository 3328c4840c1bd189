/**
 * One runtime validator per call of the contract (src/shared/api.ts): untrusted payload in (from IPC or
 * the WebSocket), typed payload out, or a RequestError naming the bad field. Main runs every payload
 * through these before a handler sees it.
 */
import { LIMITS } from './params'
import { MAX_DETAILS_PER_CALL } from './queue'
import { validateCalibrateRequest } from './calibration'
import { validateInitImage, validateMaskImage } from './init-image'
import { libraryValidators } from './library-api'
import { modelsValidators } from './models-api'
import { checkSweepCells } from './sweep'
import { validateSweepExportRequest } from './sweep-export'
import { expandGrid, gridCellCount, MAX_GRID_CELLS, validateGridSpec } from './sweep-grid'
import { fieldChecked, generationParams, id, list, obj, RequestError } from './validate'
import { DEFAULT_PREVIEW, type InvokeName, type InvokePayload, type PreviewSettings } from './api'

export function validatePreviewSettings(raw: unknown): PreviewSettings {
  const o = obj(raw, 'preview', ['mode', 'every'])
  const mode = o.mode ?? DEFAULT_PREVIEW.mode
  if (mode !== 'off' && mode !== 'latent2rgb' && mode !== 'taesd' && mode !== 'auto') {
    throw new RequestError('preview.mode', `must be off, latent2rgb, taesd or auto, got ${JSON.stringify(mode)}`)
  }
  const every = o.every ?? DEFAULT_PREVIEW.every
  if (typeof every !== 'number' || !Number.isInteger(every) || every < 1 || every > LIMITS.maxSteps) {
    throw new RequestError('preview.every', `must be a whole number from 1 to ${LIMITS.maxSteps}, got ${JSON.stringify(every)}`)
  }
  return { mode, every }
}
export const VALIDATORS: { [K in InvokeName]: (raw: unknown) => InvokePayload<K> } = {
  ...libraryValidators(),
  ...modelsValidators(),
  'studio:generate': (raw) => {
    const o = obj(raw, '(request)', ['params', 'preview', 'grid', 'initImage', 'maskImage'])
    const params = generationParams(o.params ?? {})
    const initImage = fieldChecked(() => validateInitImage(o.initImage, params.img2img !== null))
    const maskImage = fieldChecked(() => validateMaskImage(o.maskImage, (params.img2img?.inpaint?.mask ?? '') !== ''))
    const grid = validateGridSpec(o.grid)
    const cells = gridCellCount(grid) * params.batchSize
    if (cells > MAX_GRID_CELLS) throw new RequestError('params.batchSize', `makes ${cells} images with the grid; the limit is ${MAX_GRID_CELLS}; lower the batch size or remove grid values`)
    // Swept values must suit every cell (eta needs a sampler that takes it, …): refuse before queueing.
    if (grid?.axes?.length) fieldChecked(() => checkSweepCells(expandGrid(params, grid), grid.axes!))
    return { params, preview: validatePreviewSettings(o.preview), grid, ...(initImage ? { initImage } : {}), ...(maskImage ? { maskImage } : {}) }
  },
  'studio:calibrate': (raw) => fieldChecked(() => validateCalibrateRequest(raw)),
  'studio:calibration:list': (raw) => {
    const model = obj(raw, '(request)', ['model']).model ?? ''
    if (typeof model !== 'string' || model.length > 4096) throw new RequestError('model', 'must be a model name (text)')
    return { model }
  },
  'studio:cancel': (raw) => ({ jobId: id(obj(raw, '(request)', ['jobId']).jobId, 'jobId') }),
  'studio:queue:get': (raw) => (obj(raw, '(request)', []), {}),
  'studio:queue:reorder': (raw) => ({ jobIds: list(obj(raw, '(request)', ['jobIds']).jobIds, 'jobIds', 10_000, id) }),
  'studio:queue:remove': (raw) => ({ jobId: id(obj(raw, '(request)', ['jobId']).jobId, 'jobId') }),
  'studio:queue:details': (raw) => ({ jobIds: list(obj(raw, '(request)', ['jobIds']).jobIds, 'jobIds', MAX_DETAILS_PER_CALL, id) }),
  'studio:models:list': (raw) => (obj(raw, '(request)', []), {}),
  'studio:result:image': (raw) => ({ resultId: id(obj(raw, '(request)', ['resultId']).resultId, 'resultId') }),
  'studio:sweep:export': (raw) => fieldChecked(() => validateSweepExportRequest(raw)),
  'studio:prompt:tokens': (raw) => {
    const o = obj(raw, '(request)', ['model', 'text'])
    const model = o.model ?? ''
    if (typeof model !== 'string' || model.length > 4096) throw new RequestError('model', 'must be a model name (text of at most 4096 characters)')
    // The same limit as a prompt itself: anything longer could not be generated either.
    if (typeof o.text !== 'string') throw new RequestError('text', `must be the prompt text, got ${JSON.stringify(o.text)}`)
    if (o.text.length > LIMITS.maxPromptChars) throw new RequestError('text', `is ${o.text.length} characters long; the limit is ${LIMITS.maxPromptChars}`)
    return { model, text: o.text }
  }
}

export const INVOKE_NAMES = Object.freeze(Object.keys(VALIDATORS)) as readonly InvokeName[]

export function isInvokeName(v: unknown): v is InvokeName {
  return typeof v === 'string' && Object.prototype.hasOwnProperty.call(VALIDATORS, v)
}
