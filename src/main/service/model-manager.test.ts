/**
 * The model manager's calls on the tiny checkpoint fixtures, through the contract's validators and
 * dispatch (as IPC and the web host call them): import with progress events, refusals worded as the
 * importer words them, the desktop app's picked-files-only rule, cancel leaving nothing behind, rename
 * and remove (never the default model, never under a job), and the models folder setting.
 */
import { createHash } from 'node:crypto'
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { InvokeHandlers, InvokeName, ModelImportEvent } from '../../shared/api'
import { CKPT_FIXTURES, TINY_TEMPLATES } from '../models/checkpoint/test-fixtures'
import { folderStamp } from '../models/folder-stamp'
import { encodeSafetensors } from '../models/safetensors/write'
import { cleanScratch, fixture, scratchDir } from '../models/test-fixtures'
import { readSettings } from '../settings/app-settings'
import { dispatch } from './dispatch'
import { ModelManager, sweepLeftovers, type ModelManagerOptions } from './model-manager'
import { listModelFolders } from './models-dir'

afterAll(cleanScratch)

const SD1 = join(CKPT_FIXTURES, 'sd1-tiny.safetensors')

interface Rig {
  call<K extends InvokeName>(name: K, payload: unknown): Promise<{ ok: true; value: unknown } | { ok: false; error: { message: string; field?: string } }>
  events: ModelImportEvent[]
  models: string
  manager: ModelManager
  /** The import's last event, once it has ended. */
  ended(importId: string): Promise<ModelImportEvent>
}

function rig(extra: Partial<ModelManagerOptions> = {}): Rig {
  const models = scratchDir()
  // The default model lives in the models folder, as emoji-tiny does in the app's own.
  cpSync(fixture('sd1-tiny'), join(models, 'sd1-tiny'), { recursive: true })
  const events: ModelImportEvent[] = []
  const manager = new ModelManager({
    modelsDir: models,
    defaultModel: 'sd1-tiny',
    builtInDir: models,
    templatesDir: TINY_TEMPLATES,
    settingsFile: null,
    modelsInUse: async () => new Set(),
    emit: (e) => events.push(e),
    ...extra
  })
  const handlers = manager.handlers as unknown as InvokeHandlers
  return {
    call: (name, payload) => dispatch(handlers, name, payload) as ReturnType<Rig['call']>,
    events,
    models,
    manager,
    ended: async (importId) => {
      await expect.poll(() => events.find((e) => e.importId === importId && e.state !== 'running'), { timeout: 30_000 }).toBeTruthy()
      return events.find((e) => e.importId === importId && e.state !== 'running')!
    }
  }
}

async function startImport(r: Rig, payload: Record<string, unknown>): Promise<ModelImportEvent> {
  const res = await r.call('studio:models:import', payload)
  if (!res.ok) throw new Error(res.error.message)
  return r.ended((res.value as { importId: string }).importId)
}

const hiddenLeft = (dir: string): string[] => readdirSync(dir).filter((n) => n.startsWith('.'))

describe('importing', () => {
  it('imports a typed path with progress events and lists the model with family, size, hash and source', async () => {
    const r = rig()
    const res = await r.call('studio:models:import', { path: SD1, name: 'My model' })
    expect(res.ok).toBe(true)
    const { importId, file } = (res as { value: { importId: string; file: string } }).value
    expect(file).toBe('sd1-tiny.safetensors')
    const end = await r.ended(importId)
    expect(end).toMatchObject({ state: 'done', name: 'My model', stage: 'done' })
    const seen = r.events.filter((e) => e.importId === importId)
    expect(seen[0].state).toBe('running')
    expect(seen.some((e) => e.stage === 'hash')).toBe(true)
    const m = listModelFolders(r.models, 'sd1-tiny').find((x) => x.name === 'My model')!
    expect(m.family).toBe('sd1')
    expect(m.problem).toBeNull()
    expect(m.imported).toMatchObject({ file: 'sd1-tiny.safetensors', size: statSync(SD1).size, family: 'sd1' })
    expect(m.imported!.sha256).toBe(createHash('sha256').update(readFileSync(SD1)).digest('hex'))
    // The weights are counted once however many components link them (or none, when in memory).
    expect(m.sizeBytes).toBeGreaterThan(0)
    expect(m.sizeBytes).toBeLessThan(2 * statSync(SD1).size + 5e6)
    expect(m.protected).toBe(false)
    expect(listModelFolders(r.models, 'sd1-tiny').find((x) => x.name === 'sd1-tiny')!.protected).toBe(true)
    expect(hiddenLeft(r.models)).toEqual([])
  })

  it('reports the importer\u2019s own refusals as failed imports, and refuses paths it will not open', async () => {
    const r = rig()
    const dir = scratchDir()
    const ckpt = join(dir, 'model.ckpt')
    writeFileSync(ckpt, 'PK\u0003\u0004 not really')
    expect(await startImport(r, { path: ckpt })).toMatchObject({ state: 'failed', error: expect.stringMatching(/model\.ckpt: is a PyTorch pickle checkpoint; the studio never unpickles files/) })
    const lora = join(dir, 'lora.safetensors')
    writeFileSync(lora, encodeSafetensors({ 'lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight': { dtype: 'F16', shape: [1], data: new Uint8Array(2) } }))
    expect(await startImport(r, { path: lora })).toMatchObject({ state: 'failed', error: expect.stringMatching(/lora\.safetensors: .*is a LoRA file/) })
    const cut = join(dir, 'cut.safetensors')
    copyFileSync(SD1, cut)
    truncateSync(cut, statSync(SD1).size - 1000)
    expect(await startImport(r, { path: cut })).toMatchObject({ state: 'failed', error: expect.stringMatching(/cut\.safetensors: tensor ".*" ends at byte \d+, past the end .*truncated download/) })

    const refused = async (payload: unknown, re: RegExp, field = 'path'): Promise<void> => {
      const res = await r.call('studio:models:import', payload)
      expect(res.ok).toBe(false)
      if (!res.ok) {
        expect(res.error.message).toMatch(re)
        expect(res.error.field).toBe(field)
      }
    }
    await refused({ path: 'relative/model.safetensors' }, /is not a full path/)
    await refused({ path: '/etc/passwd' }, /is not a \.safetensors checkpoint/)
    await refused({ path: join(dir, 'absent.safetensors') }, /absent\.safetensors: cannot be read/)
    await refused({ path: dir + '/' }, /is not a \.safetensors checkpoint/)
    await refused({ path: SD1, family: 'sd3' }, /must be one of auto, sd1, sd2, sd2-v, sdxl/, 'family')
    await refused({ path: SD1, extra: 1 }, /is not accepted here/, 'extra')
    expect(readdirSync(r.models)).toEqual(['sd1-tiny'])
  })

  it('in the desktop app imports only a file picked in main\u2019s dialog', async () => {
    let chosen: string | null = null
    const r = rig({ onlyPicked: true, pick: async () => chosen })
    const before = await r.call('studio:models:import', { path: SD1 })
    expect(before.ok).toBe(false)
    if (!before.ok) expect(before.error.message).toMatch(/imports only a file chosen in its file dialog/)
    expect(await r.call('studio:models:pick', {})).toEqual({ ok: true, value: { path: null } })
    chosen = SD1
    expect(await r.call('studio:models:pick', {})).toEqual({ ok: true, value: { path: SD1 } })
    expect(await startImport(r, { path: SD1, name: 'picked' })).toMatchObject({ state: 'done', name: 'picked' })
  })

  it('the web host has no picker and says what to do instead', async () => {
    const r = rig()
    const res = await r.call('studio:models:pick', {})
    expect(res.ok).toBe(false)
    if (!res.ok) expect(res.error.message).toMatch(/no file dialog .* type the full path/)
  })

  it('cancel stops an import while it hashes and leaves nothing in the models folder', async () => {
    const r = rig()
    // A checkpoint that hashes for a while: the tiny one followed by 256 MB of zeros (a sparse tail, which
    // the reader allows after the last tensor), so without the cancel it would import.
    const big = join(scratchDir(), 'big.safetensors')
    copyFileSync(SD1, big)
    truncateSync(big, statSync(SD1).size + 256 * 1024 * 1024)
    const res = await r.call('studio:models:import', { path: big, name: 'big' })
    expect(res.ok).toBe(true)
    const { importId } = (res as { value: { importId: string } }).value
    await expect.poll(() => r.events.some((e) => e.importId === importId && (e.stage === 'hash' || e.state !== 'running')), { timeout: 30_000 }).toBe(true)
    expect(await r.call('studio:models:import:cancel', { importId })).toEqual({ ok: true, value: { cancelled: true } })
    const end = await r.ended(importId)
    expect(end.state).toBe('cancelled')
    expect(end.error).toMatch(/big\.safetensors: the import was cancelled; nothing was written/)
    expect(readdirSync(r.models)).toEqual(['sd1-tiny'])
    expect(await r.call('studio:models:import:cancel', { importId })).toEqual({ ok: true, value: { cancelled: false } })
  })
})

describe('rename and remove', () => {
  it('renames and removes an imported model; the checkpoint itself stays', async () => {
    const r = rig()
    expect(await startImport(r, { path: SD1, name: 'a' })).toMatchObject({ state: 'done' })
    expect(await r.call('studio:models:rename', { name: 'a', newName: 'b' })).toEqual({ ok: true, value: { name: 'b' } })
    expect(existsSync(join(r.models, 'a'))).toBe(false)
    expect(listModelFolders(r.models).map((m) => m.name)).toEqual(['b', 'sd1-tiny'])
    const stamp = folderStamp(join(r.models, 'b'))
    expect(await r.call('studio:models:remove', { name: 'b' })).toEqual({ ok: true, value: { removed: 'b' } })
    expect(readdirSync(r.models)).toEqual(['sd1-tiny'])
    expect(statSync(SD1).size).toBeGreaterThan(0)
    // Another import under the freed name is another folder to the model caches.
    expect(await startImport(r, { path: SD1, name: 'b' })).toMatchObject({ state: 'done' })
    expect(folderStamp(join(r.models, 'b'))).not.toBe(stamp)
  })

  it('refuses the default model, a model a job uses, bad and taken names, and paths', async () => {
    const busy = new Set<string>()
    const r = rig({ modelsInUse: async () => busy })
    expect(await startImport(r, { path: SD1, name: 'a' })).toMatchObject({ state: 'done' })
    expect(await startImport(r, { path: SD1, name: 'c' })).toMatchObject({ state: 'done' })
    const refused = async (name: InvokeName, payload: unknown, re: RegExp): Promise<void> => {
      const res = await r.call(name, payload)
      expect(res.ok, JSON.stringify(res)).toBe(false)
      if (!res.ok) expect(res.error.message).toMatch(re)
    }
    await refused('studio:models:remove', { name: 'sd1-tiny' }, /default model, which is always there; it cannot be removed/)
    await refused('studio:models:rename', { name: 'sd1-tiny', newName: 'x' }, /cannot be renamed/)
    await refused('studio:models:rename', { name: 'a', newName: '../escape' }, /is not a usable model name/)
    await refused('studio:models:rename', { name: 'a', newName: 'c' }, /a model named "c" is already in/)
    await refused('studio:models:remove', { name: '../sd1-tiny' }, /is not a model in/)
    await refused('studio:models:remove', { name: '/etc' }, /is not a model in/)
    await refused('studio:models:remove', { name: 'nothing' }, /there is no model "nothing"/)
    busy.add('a')
    await refused('studio:models:remove', { name: 'a' }, /used by a queued or running job/)
    expect(listModelFolders(r.models).map((m) => m.name)).toEqual(['a', 'c', 'sd1-tiny'])
  })

  it('protects the embedded model by its path even when another model is the default', async () => {
    const r0 = rig()
    const r = rig({ modelsDir: r0.models, defaultModel: 'other', protectedPaths: [join(r0.models, 'sd1-tiny')] })
    const res = await r.call('studio:models:remove', { name: 'sd1-tiny' })
    expect(res.ok).toBe(false)
    expect(listModelFolders(r0.models, 'other', [join(r0.models, 'sd1-tiny')])[0]).toMatchObject({ name: 'sd1-tiny', protected: true })
  })
})

describe('the models folder setting', () => {
  it('checks and saves the folder, used from the next start', async () => {
    const settingsFile = join(scratchDir(), 'settings.json')
    const r = rig({ settingsFile })
    const state0 = await r.call('studio:models:folder:get', {})
    expect(state0).toMatchObject({ ok: true, value: { inUse: r.models, saved: null, restartNeeded: false, settingsFile } })
    const next = join(scratchDir(), 'new', 'models')
    const set = await r.call('studio:models:folder:set', { dir: next })
    expect(set).toMatchObject({ ok: true, value: { inUse: r.models, saved: next, restartNeeded: true } })
    expect(existsSync(next)).toBe(true)
    expect(readSettings(settingsFile).settings.modelsDir).toBe(next)
    const bad = await r.call('studio:models:folder:set', { dir: 'models' })
    expect(bad.ok).toBe(false)
    if (!bad.ok) expect(bad.error).toMatchObject({ field: 'dir', message: expect.stringMatching(/is not a full path/) })
    const file = join(scratchDir(), 'a-file')
    writeFileSync(file, 'x')
    const notDir = await r.call('studio:models:folder:set', { dir: file })
    expect(notDir.ok).toBe(false)
    expect(readSettings(settingsFile).settings.modelsDir).toBe(next)
  })

  it('a run without a settings file says so', async () => {
    const r = rig()
    const res = await r.call('studio:models:folder:set', { dir: '/tmp/x' })
    expect(res.ok).toBe(false)
    if (!res.ok) expect(res.error.message).toMatch(/saves no settings/)
  })
})

describe('leftovers of an interrupted import', () => {
  it('removes hidden temporary folders of processes that are gone, and keeps live ones and models', () => {
    const dir = scratchDir()
    // A pid far above any pid_max in use here: no such process.
    const dead = `.m.importing-${2 ** 22 + 17}-1`
    const live = `.m.importing-${process.pid}-1`
    const removing = `.n.removing-${2 ** 22 + 19}-5`
    for (const n of [dead, live, removing, 'model', '.hidden-other']) mkdirSync(join(dir, n))
    expect(sweepLeftovers(dir).sort()).toEqual([dead, removing].sort())
    expect(readdirSync(dir).sort()).toEqual(['.hidden-other', live, 'model'].sort())
  })
})
