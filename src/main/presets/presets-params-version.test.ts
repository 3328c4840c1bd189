/** Presets written before parameters were versioned still import, migrated, with what changed as warnings. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PARAMS_VERSION } from '../../shared/params-version'
import { readPresets } from './import'
import { makePreset, validatePreset } from './schema'
import { PresetStore } from './store'

const FIXTURE = join(__dirname, 'fixtures', 'preset-v2-params-v1.json')

describe('preset parameters of older versions', () => {
  it("imports a bundle whose presets still carry uni_pc's variant and res_multistep's eta, with notes", () => {
    const got = readPresets({ file: FIXTURE })
    expect(got.map((c) => [c.preset.name, c.preset.params.sampler, c.preset.params.samplerOptions, c.preset.paramsVersion])).toEqual([
      ['UniPC BH2 fast', 'uni_pc_bh2', {}, PARAMS_VERSION],
      ['RES multistep', 'res_multistep', { s_noise: 1 }, PARAMS_VERSION]
    ])
    expect(got[0].warnings).toEqual([expect.stringMatching(/uni_pc_bh2 \(UniPC BH2\), with the same maths/)])
    expect(got[1].warnings).toEqual([expect.stringMatching(/res_multistep's eta option \(1\) was removed/)])
  })

  it('reads one such preset from a presets folder, and writes it back with its version', () => {
    const dir = mkdtempSync(join(tmpdir(), 'presets-v1-params-'))
    try {
      const store = new PresetStore(dir)
      const old = JSON.parse(readFileSync(FIXTURE, 'utf8')).presets[0]
      const notes: string[] = []
      const p = validatePreset(old, 'old.json', '', notes)
      expect(notes).toHaveLength(1)
      store.saveAll([p], 'error')
      const back = JSON.parse(readFileSync(join(dir, 'UniPC BH2 fast.json'), 'utf8'))
      expect(back).toMatchObject({ paramsVersion: PARAMS_VERSION, params: { sampler: 'uni_pc_bh2' } })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('refuses a preset whose parameters come from a newer version', () => {
    const p = { ...makePreset('x', { steps: 3 }), paramsVersion: PARAMS_VERSION + 1 }
    expect(() => validatePreset(JSON.parse(JSON.stringify(p)), 'new.json')).toThrow(/paramsVersion: is \d+: these settings were saved by a newer Sigma Studio; update the app/)
  })
})
