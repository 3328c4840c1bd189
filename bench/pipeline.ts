/**
 * `npm run -s bench -- pipeline`: what the generation service costs on top of the model itself.
 *
 * Runs the real service and worker (from source, under tsx) on the default model (models/emoji-tiny,
 * else the sd1-tiny test fixture, or the folder named by BENCH_MODEL_DIR; the JSON says which) at
 * BENCH_SIZE pixels (default 64) and, per step count, measures whole jobs with previews off and on
 * every step:
 *
 *   overhead = wall time of the job as the service sees it (generate() → job finished)
 *              ÷ the sum of the ONNX run times inside it (UNet + text encoder + VAE, timed around each run)
 *
 * plus the median UNet call, the preview and sampler cost per step, how long a cancel takes to stop a
 * running job, and peak memory. Each figure is the median of several warm jobs (the model is loaded once).
 */
import { existsSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import type { GenerateRequest, PreviewSettings } from '../src/shared/api'
import { DEFAULT_PARAMS } from '../src/shared/params'
import type { JobTimings } from '../src/main/worker/protocol'
import { GenerationService, type FinishedJobInfo } from '../src/main/service/service'
import { sourceWorkerFactory } from '../src/main/worker/spawn'
import { runSampler } from '../src/main/engine/samplers/run'
import { NO_NOISE } from '../src/main/engine/noise'
import type { Denoiser } from '../src/main/engine/types'

const REPEATS = Number(process.env.BENCH_REPEATS ?? 3)
/** Image side; BENCH_SIZE=512 makes the fixture's UNet call cost what a small real model's does. */
const SIZE = Number(process.env.BENCH_SIZE ?? 64)

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
const r3 = (x: number): number => Math.round(x * 1000) / 1000

/**
 * The sampler's own arithmetic per step (euler, no model): a stand-in denoiser whose own time is
 * measured and subtracted, on a latent of `elements` values (cond + uncond rows are the model's cost,
 * not the sampler's).
 */
async function samplerArithmeticMsPerStep(elements: number, steps = 20): Promise<number> {
  const x = Float64Array.from({ length: elements }, (_, i) => Math.sin(i) * 14)
  const sigmas = Array.from({ length: steps }, (_, i) => 14.6 * (1 - i / steps) + 0.03).concat([0])
  let denoiseMs = 0
  const d: Denoiser = async (v, sigma) => {
    const t = performance.now()
    const out = new Float64Array(v.length)
    const k = 1 / (1 + sigma * sigma)
    for (let i = 0; i < v.length; i++) out[i] = v[i] * k
    denoiseMs += performance.now() - t
    return out
  }
  const times: number[] = []
  for (let r = 0; r < 7; r++) {
    denoiseMs = 0
    const t0 = performance.now()
    await runSampler('euler', d, x, sigmas, { noise: NO_NOISE })
    times.push((performance.now() - t0 - denoiseMs) / steps)
  }
  return median(times)
}

/**
 * The same whole-job ratio with the worker's analytic stub model whose every call costs a fixed
 * STUB_CALL_MS of CPU (about a small real UNet's call on this machine): the service's own overhead,
 * independent of which ONNX model happens to be installed.
 */
const STUB_CALL_MS = 20
async function stubModelOverhead(): Promise<unknown> {
  const s = new GenerationService({ workerFactory: sourceWorkerFactory, runner: 'fake', modelsDir: '/nonexistent', defaultModel: 'stub', fake: { callMs: STUB_CALL_MS } })
  try {
    const out: Record<string, number> = {}
    for (const [label, mode] of [
      ['previewsOff', 'off'],
      ['previewsOn', 'latent2rgb']
    ] as const) {
      const ratios: number[] = []
      for (let k = 0; k < REPEATS + 1; k++) {
        const t0 = performance.now()
        const { jobId } = s.generate({
          params: { ...DEFAULT_PARAMS, model: 'stub', prompt: 'x', steps: 20, cfg: 1, width: 64, height: 64 },
          preview: { mode, every: 1 },
          grid: null
        })
        const info = await new Promise<FinishedJobInfo>((ok) => {
          const off = s.onJobFinished((i) => i.jobId === jobId && (off(), ok(i)))
        })
        if (k > 0) ratios.push((performance.now() - t0) / (info.timings!.modelMs + info.timings!.auxMs))
      }
      out[label] = r3(median(ratios))
    }
    return { callMs: STUB_CALL_MS, steps: 20, ...out }
  } finally {
    await s.close()
  }
}

function pickModel(): { modelsDir: string; model: string; note: string } {
  const custom = process.env.BENCH_MODEL_DIR
  if (custom) return { modelsDir: dirname(resolve(custom)), model: basename(resolve(custom)), note: `BENCH_MODEL_DIR=${custom}` }
  const root = resolve('models')
  if (existsSync(join(root, 'emoji-tiny', 'model_index.json'))) return { modelsDir: root, model: 'emoji-tiny', note: 'default model' }
  return { modelsDir: resolve('tools/fixtures/models'), model: 'sd1-tiny', note: 'models/emoji-tiny is not there yet: random-weight test fixture (its UNet call is far cheaper than a real model, so overhead ratios are pessimistic)' }
}

export async function benchPipeline(): Promise<unknown> {
  const { modelsDir, model, note } = pickModel()
  const service = new GenerationService({ workerFactory: sourceWorkerFactory, runner: 'onnx', modelsDir, defaultModel: model })
  let peakRss = 0
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20)

  const request = (steps: number, preview: PreviewSettings, seed = 1): GenerateRequest => ({
    params: { ...DEFAULT_PARAMS, model, prompt: 'a smiling face with sunglasses', steps, cfg: 5, seed: String(seed), width: SIZE, height: SIZE, sampler: 'euler', schedule: 'karras' },
    preview,
    grid: null
  })

  async function runJob(req: GenerateRequest): Promise<{ wall: number; info: FinishedJobInfo }> {
    const t0 = performance.now()
    const { jobId } = service.generate(req)
    const info = await new Promise<FinishedJobInfo>((ok) => {
      const off = service.onJobFinished((i) => {
        if (i.jobId === jobId) {
          off()
          ok(i)
        }
      })
    })
    if (info.state !== 'completed') throw new Error(`bench job ended ${info.state}; run "npm run studio" on ${model} to see why`)
    return { wall: performance.now() - t0, info }
  }

  try {
    await runJob(request(4, { mode: 'off', every: 1 })) // load the model and warm every code path
    await runJob(request(4, { mode: 'auto', every: 1 }))

    const perSteps: Record<string, unknown> = {}
    const calls: number[] = []
    const previewPerStep: number[] = []
    let latentElements = 0
    const offPreview = service.on('studio:preview', (p) => (latentElements = 4 * p.width * p.height))
    const samplerPerStep: number[] = []
    const overhead: Record<number, { off: number; on: number }> = {}
    for (const steps of [4, 20, 50]) {
      const result: Record<string, unknown> = {}
      for (const [label, preview] of [
        ['previewsOff', { mode: 'off', every: 1 }],
        ['previewsOn', { mode: 'auto', every: 1 }]
      ] as const) {
        const ratios: number[] = []
        const walls: number[] = []
        let last: JobTimings | null = null
        for (let k = 0; k < REPEATS; k++) {
          const { wall, info } = await runJob(request(steps, preview, k + 1))
          const t = info.timings!
          ratios.push(wall / (t.modelMs + t.auxMs))
          walls.push(wall)
          last = t
          if (steps === 20) {
            calls.push(...t.modelCallMs)
            if (label === 'previewsOn') previewPerStep.push(t.previewMs / steps)
            else samplerPerStep.push(t.samplerMs / steps)
          }
        }
        result[label] = {
          overhead: r3(median(ratios)),
          wallMs: r3(median(walls)),
          onnxMs: r3(last!.modelMs + last!.auxMs),
          unetMs: r3(last!.modelMs),
          otherOnnxMs: r3(last!.auxMs),
          modelCalls: last!.modelCalls,
          previewMs: r3(last!.previewMs),
          workerRestMs: r3(last!.samplerMs),
          encodeMs: r3(last!.encodeMs)
        }
        overhead[steps] = { ...(overhead[steps] ?? { off: 0, on: 0 }), [label === 'previewsOff' ? 'off' : 'on']: median(ratios) }
      }
      perSteps[`steps${steps}`] = result
    }

    offPreview()
    // Cancel: start a long job, cancel a few steps in (mid model call), time until the worker stops.
    const latencies: number[] = []
    for (let k = 0; k < 5; k++) {
      const { jobId } = service.generate(request(50, { mode: 'off', every: 1 }, 100 + k))
      await new Promise<void>((ok) => {
        const off = service.on('studio:progress', (p) => {
          if (p.jobId === jobId && p.step === 5) {
            off()
            ok()
          }
        })
      })
      await new Promise((r) => setTimeout(r, median(calls) / 2))
      const done = new Promise<FinishedJobInfo>((ok) => {
        const off = service.onJobFinished((i) => i.jobId === jobId && (off(), ok(i)))
      })
      service.cancel(jobId)
      const info = await done
      if (info.state !== 'cancelled' || info.cancelLatencyMs === null) throw new Error(`cancel did not stop the job (state ${info.state})`)
      latencies.push(info.cancelLatencyMs)
    }

    const stub = await stubModelOverhead()
    const mem = process.memoryUsage()
    return {
      bench: 'pipeline',
      model,
      modelNote: note,
      modelsDir,
      size: `${SIZE}x${SIZE}`,
      sampler: 'euler/karras, cfg 5 (cond+uncond batched in one UNet call where the model allows)',
      repeats: REPEATS,
      overheadPreviewsOff: r3(overhead[20].off),
      overheadPreviewsOn: r3(overhead[20].on),
      overheadBySteps: Object.fromEntries(Object.entries(overhead).map(([s, o]) => [s, { previewsOff: r3(o.off), previewsOn: r3(o.on) }])),
      targets: { overheadPreviewsOff: 1.03, overheadPreviewsOn: 1.08 },
      modelCallMs: r3(median(calls)),
      cancelLatencyMs: r3(median(latencies)),
      cancelLatencyMaxMs: r3(Math.max(...latencies)),
      previewMsPerStep: r3(median(previewPerStep)),
      samplerMsPerStep: r3(await samplerArithmeticMsPerStep(latentElements)),
      samplerMsPerStepNote: `euler's own arithmetic on this model's ${latentElements}-value latent, no model (measured apart)`,
      workerRestMsPerStep: r3(median(samplerPerStep)),
      workerRestMsPerStepNote:
        'worker time per step outside ONNX runs, previews and PNG encoding, inside real jobs: the models layer\'s tensor conversions and checks, guidance and sampler arithmetic, message posting, event-loop waits (grows with CPU contention)',
      serviceOverheadWithStubModel: stub,
      peakRssMB: r3(Math.max(peakRss, mem.rss) / 2 ** 20),
      peakRssMBFromOs: r3(process.resourceUsage().maxRSS / 1024),
      heapUsedMB: r3(mem.heapUsed / 2 ** 20),
      detail: perSteps
    }
  } finally {
    clearInterval(sampler)
    await service.close()
  }
}
