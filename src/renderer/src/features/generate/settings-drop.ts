/**
 * Settings brought to the Generate view: a PNG (ours, A1111, ComfyUI, InvokeAI), a .json file (ComfyUI
 * workflow, InvokeAI metadata, our preset) or A1111 infotext dropped on the view, or infotext pasted into
 * it. The studio reads them with the very reader a preset import uses (`studio:presets:read`), so the
 * form gets what an import would save, and the same warnings are shown; nothing is saved.
 * (The "Image to image" section takes a dropped image as the init image instead.)
 */
import { DEFAULT_HIRES } from '../../../../shared/hires'
import type { SettingsReadRequest, SettingsReadResult } from '../../../../shared/api'
import { importBytes } from '../presets/actions'
import type { StudioClient } from '../../api'
import { fieldError } from '../../store/presets'
import { setDraft, useGenerateStore, type Draft } from '../../store/generate'
import { defineSlice } from '../../store/root'

export interface SettingsDropState {
  /** What was read from where ("Settings from castle.png (A1111)"), or why nothing was. */
  notice: string | null
  warnings: string[]
  failed: boolean
}

declare module '../../store/root' {
  interface Slices {
    settingsDrop: SettingsDropState
  }
}

export const useSettingsDrop = defineSlice('settingsDrop', { notice: null, warnings: [], failed: false } as SettingsDropState)

/** What one message to the local web host can carry (bytes travel as base64), with room for the rest. */
const MAX_WIRE_BYTES = 900 * 1024

const FORMAT_NAMES: Record<string, string> = {
  'sigma-png': 'Sigma Studio',
  'preset-json': 'Sigma Studio preset',
  a1111: 'A1111',
  'comfy-api': 'ComfyUI',
  'comfy-ui': 'ComfyUI workflow',
  invokeai: 'InvokeAI',
  'invokeai-legacy': 'InvokeAI 2',
  'diffusers-scheduler': 'diffusers scheduler config'
}

/** Text that is A1111 infotext (a settings line "Steps: N, …"), not a prompt being pasted. */
export function looksLikeInfotext(text: string): boolean {
  return /(^|\n)Steps: \d+, [^\n]*Seed: \d+/.test(text)
}

/** The form fields a read sets: the fields the source sets, and a fixed seed when it sets one. */
export function draftPatch(params: SettingsReadResult['params']): Partial<Draft> {
  const { hires, ...rest } = params
  const patch: Partial<Draft> = { ...rest }
  if (params.seed !== undefined) patch.seedMode = 'fixed'
  // Hires settings open the Hires section; a source that says none turns it off.
  if (hires !== undefined) {
    patch.hiresOn = hires !== null
    if (hires) patch.hires = { ...DEFAULT_HIRES, ...hires }
  }
  return patch
}

/** Asks the studio to read `request` and lays what it holds over the form. */
export async function readSettingsIntoForm(client: StudioClient, request: SettingsReadRequest, what: string): Promise<void> {
  useSettingsDrop.setState({ notice: `Reading ${what}…`, warnings: [], failed: false })
  try {
    const r = await client.call('studio:presets:read', request)
    setDraft(draftPatch(r.params))
    const model = useGenerateStore.getState().draft.model
    const warnings = [...r.warnings]
    // The form keeps its model (model folders differ between machines); say which the source names.
    if (r.model?.name && r.model.name !== model) warnings.push(`it was made with the model "${r.model.name}"; the form keeps ${model ? `"${model}"` : 'the default model'}`)
    useSettingsDrop.setState({ notice: `Settings from ${what} (${FORMAT_NAMES[r.format] ?? r.format}) are in the form.`, warnings, failed: false })
  } catch (e) {
    useSettingsDrop.setState({ notice: `Cannot read settings from ${what}: ${fieldError(e, '').message}`, warnings: [], failed: true })
  }
}

/** A dropped or chosen file: PNGs shrink to their settings chunks first (see shared/png-chunks.ts). */
export async function readSettingsFile(client: StudioClient, file: File): Promise<void> {
  const bytes = importBytes(new Uint8Array(await file.arrayBuffer()), file.name)
  if (Math.ceil(bytes.length / 3) * 4 > MAX_WIRE_BYTES) {
    useSettingsDrop.setState({ notice: `Cannot read settings from “${file.name}”: at ${Math.round(bytes.length / 1024)} KB it is too large to hold settings; drop a PNG, .json or .txt file`, warnings: [], failed: true })
    return
  }
  await readSettingsIntoForm(client, { bytes, filename: file.name }, `“${file.name}”`)
}

export function dismissSettingsNotice(): void {
  useSettingsDrop.setState({ notice: null, warnings: [], failed: false })
}

type DragLike = { dataTransfer: DataTransfer | null; preventDefault(): void; isDefaultPrevented(): boolean }

/** Whether a drag carries something the view can read settings from (files or plain text). */
function carriesSettings(e: DragLike): boolean {
  const types = e.dataTransfer ? [...e.dataTransfer.types] : []
  return types.includes('Files') || types.includes('text/plain')
}

/**
 * The Generate view's drag-and-drop and paste handlers (React props for its section). A drop the
 * "Image to image" section already took (it prevents the default) is left alone.
 */
export function settingsDropHandlers(client: StudioClient): {
  onDragOver: (e: DragLike) => void
  onDrop: (e: DragLike) => void
  onPaste: (e: { clipboardData: DataTransfer | null; preventDefault(): void }) => void
} {
  return {
    onDragOver: (e) => {
      if (e.isDefaultPrevented() || !carriesSettings(e)) return
      e.preventDefault()
      e.dataTransfer!.dropEffect = 'copy'
    },
    onDrop: (e) => {
      if (e.isDefaultPrevented() || !e.dataTransfer) return
      e.preventDefault()
      const file = e.dataTransfer.files[0]
      if (file) {
        if (/^image\/(jpeg|webp)$/.test(file.type)) {
          useSettingsDrop.setState({ notice: `“${file.name}” is a ${file.type.slice(6).toUpperCase()}: settings are read from PNG, .json and .txt files. To use it as the init image, drop it on “Image to image”.`, warnings: [], failed: true })
          return
        }
        return void readSettingsFile(client, file)
      }
      const text = e.dataTransfer.getData('text/plain')
      if (text.trim()) void readSettingsIntoForm(client, { text }, 'the dropped text')
    },
    onPaste: (e) => {
      // Only infotext: a prompt pasted into its field stays a paste.
      const text = e.clipboardData?.getData('text/plain') ?? ''
      if (!looksLikeInfotext(text)) return
      e.preventDefault()
      void readSettingsIntoForm(client, { text }, 'the pasted text')
    }
  }
}
