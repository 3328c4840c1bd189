/**
 * The presets view's actions: list, save the Generate form as a preset, apply one to the form, rename,
 * delete, export (downloads) and import (a file or pasted text). Errors are kept with the field they
 * concern so the view can show them beside the right input.
 */
import type { PresetConflictMode, PresetExportFormat, PresetFile } from '../../../../shared/api'
import type { StudioClient } from '../../api'
import { draftParams, loadParamsIntoDraft, setDraft } from '../../store/generate'
import { fieldError, usePresetsStore } from '../../store/presets'
import { showView } from '../../store/ui'
import { isPngSignature, settingsOnlyPng } from '../../../../shared/png-chunks'
import { setInpaint, setInpaintSettings } from '../../store/inpaint'

const set = usePresetsStore.setState
/** What fits in one call over the web host's WebSocket, with room for the rest of the message. */
const MAX_IMPORT_WIRE_BYTES = 900 * 1024
const get = usePresetsStore.getState

export async function loadPresets(client: StudioClient): Promise<void> {
  set({ status: 'loading' })
  try {
    const r = await client.call('studio:presets:list', {})
    set({ presets: r.presets, folderProblems: r.problems, status: 'ready', error: null })
  } catch (e) {
    set({ status: 'error', error: fieldError(e, '').message })
  }
}

/** Saves the Generate form's settings (all but the model) under the typed name. */
export async function savePreset(client: StudioClient): Promise<void> {
  const { saveName, saveOverwrite } = get()
  set({ saveError: null, notice: null })
  try {
    const r = await client.call('studio:presets:save', { name: saveName, params: draftParams(), ...(saveOverwrite ? { overwrite: true } : {}) })
    set({ saveName: '', saveOverwrite: false, notice: `${r.overwrote ? 'Replaced' : 'Saved'} "${r.preset.name}".` })
    await loadPresets(client)
  } catch (e) {
    set({ saveError: fieldError(e, 'name') })
  }
}

/** Lays the preset over the Generate form and shows the form. */
export async function applyPreset(client: StudioClient, name: string): Promise<void> {
  set({ notice: null })
  try {
    const r = await client.call('studio:presets:apply', { name, base: draftParams() })
    loadParamsIntoDraft(r.params)
    // Its img2img settings: the strength, and the inpainting options into the mask editor's panel (the
    // mask itself is painted per image, so it is never in a preset).
    const i2i = r.preset.img2img
    if (i2i) {
      setDraft({ strength: i2i.strength })
      if (i2i.inpaint) {
        setInpaintSettings(i2i.inpaint)
        setInpaint({ on: true })
      }
    }
    showView('generate')
  } catch (e) {
    const fe = fieldError(e, 'name')
    set({ notice: `Cannot apply "${name}": ${fe.field.startsWith('params') ? `${fe.field} ` : ''}${fe.message}` })
  }
}

export function startRename(name: string): void {
  set({ renaming: name, renameTo: name, renameError: null, confirmDelete: null })
}

export async function finishRename(client: StudioClient): Promise<void> {
  const { renaming, renameTo } = get()
  if (!renaming) return
  if (renameTo === renaming) return set({ renaming: null })
  try {
    const r = await client.call('studio:presets:rename', { from: renaming, to: renameTo })
    set({ renaming: null, renameError: null, notice: `Renamed "${renaming}" to "${r.preset.name}".` })
    await loadPresets(client)
  } catch (e) {
    set({ renameError: fieldError(e, 'to') })
  }
}

export async function deletePreset(client: StudioClient, name: string): Promise<void> {
  try {
    await client.call('studio:presets:delete', { name })
    set({ confirmDelete: null, notice: `Deleted "${name}".` })
    await loadPresets(client)
  } catch (e) {
    set({ confirmDelete: null, notice: fieldError(e, 'name').message })
  }
}

/** Offers a file for download (an object URL, revoked once the download has started). */
export function offerDownload(file: PresetFile): void {
  const url = URL.createObjectURL(new Blob([file.text], { type: file.mime }))
  const a = document.createElement('a')
  a.href = url
  a.download = file.filename
  a.style.display = 'none'
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

export const FORMAT_LABEL: Record<PresetExportFormat, string> = { json: 'JSON', a1111: 'A1111', comfy: 'ComfyUI' }

/** Exports one preset (or all, as our JSON bundle, with name null) and downloads it. */
export async function exportPresets(client: StudioClient, name: string | null, format: PresetExportFormat): Promise<void> {
  set({ notice: null })
  try {
    // The form's model names the checkpoint in A1111 and ComfyUI exports (presets never store a model).
    const model = draftParams().model
    const file = await client.call('studio:presets:export', { name, format, ...(model ? { model } : {}) })
    offerDownload(file)
    set({
      lastExport: { filename: file.filename, text: file.text, warnings: file.warnings },
      notice: `Exported ${file.filename}${file.warnings.length ? ` (note: ${file.warnings.join('; ')})` : ''}.`
    })
  } catch (e) {
    const fe = fieldError(e, 'name')
    set({ notice: `Cannot export${name ? ` "${name}"` : ''} as ${FORMAT_LABEL[format]}: ${fe.message}` })
  }
}

/**
 * A file's bytes as sent for import: a PNG shrunk to its settings chunks (the pixels are not needed,
 * and a large PNG would not fit in one message to the local web host); a PNG that is not whole goes
 * as it is, for the studio to judge and explain.
 */
export function importBytes(raw: Uint8Array, name: string): Uint8Array {
  if (!isPngSignature(raw)) return raw
  try {
    return settingsOnlyPng(raw, name)
  } catch {
    return raw
  }
}

/** Reads a chosen file into the import form. */
export async function chooseImportFile(file: File | null): Promise<void> {
  set({ importResult: null, importError: null })
  if (!file) return set({ importFile: null })
  set({ importFile: { name: file.name, bytes: importBytes(new Uint8Array(await file.arrayBuffer()), file.name) } })
}

/** Imports the chosen file, else the pasted text; `mode` answers a name clash (keep both / replace). */
export async function importPresets(client: StudioClient, mode: PresetConflictMode = 'error'): Promise<void> {
  const { importFile, importText, importName } = get()
  set({ importError: null, importResult: null, notice: null })
  if (!importFile && !importText.trim()) return set({ importError: { field: 'text', message: 'choose a file or paste a preset or A1111 infotext first' } })
  // One message to the local web host is at most 1 MiB (bytes travel as base64); presets are a few KB.
  const size = importFile ? Math.ceil(importFile.bytes.length / 3) * 4 : new TextEncoder().encode(importText).length
  if (size > MAX_IMPORT_WIRE_BYTES) {
    // Said in the size the person sees on disk, not the base64 size that decides.
    const shown = importFile ? importFile.bytes.length : size
    const message = `${importFile ? `“${importFile.name}”` : 'the text'} is too large to be a preset (${Math.round(shown / 1024)} KB); choose a preset JSON, infotext or PNG file`
    return set({ importError: { field: importFile ? 'file' : 'text', message } })
  }
  try {
    const r = await client.call('studio:presets:import', {
      ...(importFile ? { bytes: importFile.bytes, filename: importFile.name } : { text: importText }),
      ...(importName.trim() ? { name: importName.trim() } : {}),
      mode
    })
    set({ importResult: r })
    if (r.imported.length) {
      set({ importText: '', importName: '', importFile: null, notice: `Imported ${r.imported.map((i) => `"${i.name}"`).join(', ')}.` })
      await loadPresets(client)
    }
  } catch (e) {
    set({ importError: fieldError(e, importFile ? 'file' : 'text') })
  }
}
