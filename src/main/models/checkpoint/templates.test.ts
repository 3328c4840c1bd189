/**
 * The committed full-size templates against the published checkpoints' tensor lists
 * (reference/checkpoints/*-keys.json): the same keys, shapes and dtypes (float tensors may be stored as
 * F16, BF16 or F32; the I64 position_ids and I32 model_ema.num_updates exactly), every graph initializer
 * one of them with the same shape, and an import of a zero-filled sparse file with the published header
 * goes through.
 */
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { cleanScratch, scratchDir } from '../test-fixtures'
import { importCheckpoint } from './import'
import { listInitializers } from './onnx-edit'
import { writeSparseCheckpoint, type KeyList } from './sparse-checkpoint'
import { loadTemplate, TEMPLATES_DIR, type TemplateFamily } from './templates'

afterAll(cleanScratch)

const REFERENCE = resolve(TEMPLATES_DIR, '..', '..', 'reference', 'checkpoints')
const CASES: [TemplateFamily, string, number, string][] = [
  ['sd1', 'sd15-keys.json', 1145, 'sd1'],
  ['sd2', 'sd21-768v-keys.json', 1242, 'sd2'],
  ['sdxl', 'sdxl-base-keys.json', 2515, 'sdxl']
]

for (const [family, file, count, expectFamily] of CASES) {
  describe(`${family} template against ${file}`, () => {
    const ref = JSON.parse(readFileSync(join(REFERENCE, file), 'utf8')) as KeyList
    const template = (): ReturnType<typeof loadTemplate> => loadTemplate(family)

    it(`has the published ${count} keys with their shapes and dtypes`, () => {
      expect(Object.keys(ref.tensors)).toHaveLength(count)
      const keys = template().keys
      expect(Object.keys(keys).sort()).toEqual(Object.keys(ref.tensors).sort())
      for (const [k, want] of Object.entries(ref.tensors)) {
        const got = keys[k]
        expect({ k, shape: got.shape }).toEqual({ k, shape: want.shape })
        if (got.dtype === 'float') expect(['F16', 'BF16', 'F32']).toContain(want.dtype)
        else expect({ k, dtype: got.dtype }).toEqual({ k, dtype: want.dtype })
      }
    })

    it('names every graph initializer with a checkpoint key of the same shape', () => {
      let n = 0
      const t = template()
      for (const c of Object.values(t.components)) {
        for (const init of listInitializers(readFileSync(join(t.dir, c.file)))) {
          expect({ name: init.name, dims: init.dims }).toEqual({ name: init.name, dims: t.keys[init.name]?.shape })
          n++
        }
      }
      expect(n).toBeGreaterThan(count * 0.9)
    })

    it('imports a zero-filled full-size file with the published header', async () => {
      const src = join(scratchDir(), `${family}.safetensors`)
      writeSparseCheckpoint(src, ref)
      const r = await importCheckpoint({ file: src, modelsDir: scratchDir(), hash: false })
      expect(r.detected.template).toBe(expectFamily)
      expect(r.missingOptional).toEqual([])
      expect(r.ignoredKeys).toBe(0)
    }, 120_000)
  })
}
