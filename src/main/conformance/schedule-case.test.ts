import { describe, expect, it } from 'vitest'
import { itPassesEachPublicCase } from './public-cases.test-support'
import { runCase } from './index'
import { runModelSigmasCase, runScheduleCase } from './schedule-case'

const SD = { beta_schedule: 'scaled_linear', num_train_timesteps: 1000, beta_start: 0.00085, beta_end: 0.012 }

describe('model_sigmas and schedule conformance cases', () => {
  itPassesEachPublicCase('model_sigmas')
  itPassesEachPublicCase('schedule')

  it('produces actual values without expected ones, from a model or a bare sigma range', async () => {
    const r = await runScheduleCase({ schedule: 'karras', steps: 2, model: SD, params: { rho: 7 } }, 'a')
    expect(r.passed).toBeUndefined()
    expect((r.actual as number[]).length).toBe(3)
    const range = await runScheduleCase({ schedule: 'exponential', steps: 3, sigma_min: 0.1, sigma_max: 10 }, 'b')
    expect(range.actual).toEqual([expect.closeTo(10, 12), expect.closeTo(1, 12), expect.closeTo(0.1, 12), 0])
    const table = await runModelSigmasCase({ ...SD, zero_terminal_snr: true }, 'c')
    expect((table.actual as number[])[999]).toBeCloseTo(4518.8, 1)
  })

  it('fails a wrong expectation and reports bad or unsupported input as errors', async () => {
    const wrong = await runScheduleCase({ schedule: 'simple', steps: 1, model: SD, expected: [14, 0] }, 'd')
    expect(wrong.passed).toBe(false)
    const unknown = await runCase('diffusion-conformance/1', { kind: 'schedule', schedule: 'nope', steps: 3, model: SD }, 0)
    expect(unknown.passed).toBe(false)
    expect(unknown.message).toMatch(/unknown schedule "nope"/)
    await expect(runScheduleCase({ schedule: 'simple', steps: 3 }, 'e')).rejects.toThrow(/needs a "model"/)
    await expect(runModelSigmasCase({ beta_schedule: 'cosine' }, 'f')).rejects.toThrow(/beta_schedule/)
    await expect(runScheduleCase({ schedule: 'karras', steps: 3, model: SD, params: { rho: 'x' } }, 'g')).rejects.toThrow(/params.rho/)
  })
})
