import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { cleanScratch, FIXTURES_DIR, scratchDir } from '../models/test-fixtures'
import { listModelFolders } from './models-dir'

afterAll(() => cleanScratch())

describe('listModelFolders', () => {
  it('reports each fixture’s family, variant, size step and native size, and marks the default', () => {
    const models = listModelFolders(FIXTURES_DIR, 'sd1-tiny')
    const by = new Map(models.map((m) => [m.name, m]))
    expect(by.get('sd1-tiny')).toMatchObject({ family: 'sd1', variant: 'base', sizeStep: 8, nativeSize: { width: 64, height: 64 }, isDefault: true, problem: null })
    expect(by.get('sd2-v-tiny')).toMatchObject({ family: 'sd2', isDefault: false, problem: null })
    expect(by.get('sdxl-tiny')).toMatchObject({ family: 'sdxl', isDefault: false, problem: null })
    expect(models.filter((m) => m.isDefault)).toHaveLength(1)
  })

  it('lists a folder it cannot run with the reason instead of hiding it', () => {
    const dir = scratchDir('models-dir-')
    mkdirSync(join(dir, 'flux-like', 'transformer'), { recursive: true })
    writeFileSync(join(dir, 'flux-like', 'model_index.json'), JSON.stringify({ _class_name: 'FluxPipeline', transformer: ['diffusers', 'X'] }))
    const [m] = listModelFolders(dir)
    expect(m).toMatchObject({ name: 'flux-like', family: null, variant: null, nativeSize: null, isDefault: false })
    expect(m.problem).toMatch(/transformer denoiser/)
  })
})
