/**
 * LoRA tags reaching the worker: the ONNX runner merges them (files from $SIGMA_STUDIO_LORAS), the warm
 * model is keyed by model and tags, and runners or jobs that cannot honour them refuse instead of
 * silently dropping them.
 */
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DEFAULT_PREVIEW } from '../../shared/api'
import { validateGenerationParams } from '../../shared/params'
import { FIXTURES_DIR } from '../models/test-fixtures'
import { defaultSessionCache } from '../models/model'
import { CONTROL_BYTES, type FromWorker, type WorkerJob } from './protocol'
import { JobExecutor } from './execute'
import { createFakeRunner } from './fake-runner'
import { createOnnxRunner } from './onnx-runner'

afterAll(() => defaultSessionCache.releaseAll())

function job(serial: number, model: string, prompts: string[]): WorkerJob {
  return {
    jobId: `job${serial}`,
    serial,
    cells: prompts.map((prompt) => validateGenerationParams({ model, prompt, steps: 2, cfg: 1, width: 64, height: 64, seed: '3' })),
    preview: DEFAULT_PREVIEW,
    batchCells: false
  }
}

async function runJob(exec: JobExecutor, seen: FromWorker[], j: WorkerJob): Promise<FromWorker[]> {
  seen.length = 0
  await exec.run(j)
  return [...seen]
}

describe('LoRA tags in worker jobs', () => {
  it('the ONNX runner merges the tagged LoRA; the same prompt without it is the base image again', async () => {
    process.env.SIGMA_STUDIO_LORAS = join(FIXTURES_DIR, '..', 'lora')
    const seen: FromWorker[] = []
    const exec = new JobExecutor(createOnnxRunner(FIXTURES_DIR, 'cpu'), new Int32Array(new SharedArrayBuffer(CONTROL_BYTES)), (m) => seen.push(m))
    const pixels = (ms: FromWorker[]): string => {
      const r = ms.find((m) => m.type === 'result') as { png?: Uint8Array } | undefined
      expect(r, JSON.stringify(ms.find((m) => m.type === 'error'))).toBeDefined()
      return Buffer.from(r!.png ?? []).toString('base64')
    }
    const base = pixels(await runJob(exec, seen, job(1, 'sd1-lora-tiny', ['a r'])))
    const styled = pixels(await runJob(exec, seen, job(2, 'sd1-lora-tiny', ['a r <lora:style-kohya:1>'])))
    const again = pixels(await runJob(exec, seen, job(3, 'sd1-lora-tiny', ['a r'])))
    expect(styled).not.toBe(base)
    expect(again).toBe(base)
    const missing = await runJob(exec, seen, job(4, 'sd1-lora-tiny', ['a <lora:nope>']))
    expect(missing.find((m) => m.type === 'error')).toMatchObject({ code: 'invalid-request', message: expect.stringMatching(/no nope\.safetensors/) })
    const mixed = await runJob(exec, seen, job(5, 'sd1-lora-tiny', ['a <lora:style-kohya>', 'a']))
    expect(mixed.find((m) => m.type === 'error')).toMatchObject({ message: expect.stringMatching(/same LoRA tags/) })
  })

  it('embeddings named in a prompt or negative prompt come from the job\'s folder; results name the files used', async () => {
    const seen: FromWorker[] = []
    const exec = new JobExecutor(createOnnxRunner(FIXTURES_DIR, 'cpu'), new Int32Array(new SharedArrayBuffer(CONTROL_BYTES)), (m) => seen.push(m))
    const dirs = { loras: join(FIXTURES_DIR, '..', 'lora'), embeddings: join(FIXTURES_DIR, '..', 'lora') }
    const result = (ms: FromWorker[]) => {
      const r = ms.find((m) => m.type === 'result')
      expect(r, JSON.stringify(ms.find((m) => m.type === 'error'))).toBeDefined()
      return r as Extract<FromWorker, { type: 'result' }>
    }
    const base = result(await runJob(exec, seen, { ...job(1, 'sd1-lora-tiny', ['a r']), networkDirs: dirs }))
    expect(base.networks).toBeUndefined()
    const withEmb = result(await runJob(exec, seen, { ...job(2, 'sd1-lora-tiny', ['a tinyemb <lora:style-kohya:0.5>']), networkDirs: dirs }))
    expect(Buffer.from(withEmb.png).equals(Buffer.from(base.png))).toBe(false)
    expect(withEmb.networks?.embeddings).toEqual([{ name: 'tinyemb', hash: expect.stringMatching(/^[0-9a-f]{10}$/) }])
    expect(withEmb.networks?.loras).toEqual([{ name: 'style-kohya', hash: expect.stringMatching(/^[0-9a-f]{12}$/) }])
    const again = result(await runJob(exec, seen, { ...job(3, 'sd1-lora-tiny', ['a r']), networkDirs: dirs }))
    expect(Buffer.from(again.png).equals(Buffer.from(base.png))).toBe(true)
  })

  it('the stand-in model refuses LoRA tags', async () => {
    const seen: FromWorker[] = []
    const exec = new JobExecutor(createFakeRunner(), new Int32Array(new SharedArrayBuffer(CONTROL_BYTES)), (m) => seen.push(m))
    const out = await runJob(exec, seen, job(1, 'fake', ['p <lora:x:1>']))
    expect(out.find((m) => m.type === 'error')).toMatchObject({ code: 'invalid-request', message: expect.stringMatching(/cannot apply LoRA/) })
  })
})
