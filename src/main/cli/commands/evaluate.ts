/**
 * `studio evaluate schedules`: how far each sampler × schedule lands from the image the model "really"
 * means. For every seed, a high-accuracy reference solve of the same probability-flow ODE from the same
 * starting noise; then each (sampler, schedule, steps) run, measured by RMSE in latent space and PSNR in
 * pixel space. `score_optimal` is calibrated on the model first (Williams et al. 2024), from the same
 * guided denoiser, and the profile is cached in the library folder by model hash and settings.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { resolveLibraryDir } from '../../library/paths'
import { modelShortHash } from '../../library/model-hash'
import { defaultSessionCache, loadModel, type LoadedModel } from '../../models/model'
import { parseDevice } from '../../models/onnx/runtime'
import { guidedDenoiser, latentLayout, resolveRequest } from '../../models/pipeline'
import { decodeLatents } from '../../models/vae'
import { EVALUATION_SAMPLERS, evaluateSchedules, evaluationSchedules, formatEvaluation } from '../../engine/reference/evaluate'
import { estimateScoreOptimalProfile, resolveSettings } from '../../engine/score-optimal/estimate'
import { validateProfile, type ScoreOptimalProfile } from '../../engine/score-optimal/profile'
import { TorchGenerator } from '../../engine/rng'
import type { Denoiser } from '../../engine/types'
import { UncondCapture } from '../../engine/guidance/uncond'
import { percentToSigma } from '../../engine/model-sigmas'
import { SAMPLER_BY_ID } from '../../../shared/samplers'
import { CALIBRATION_SEED_BASE, calibrationKey } from '../../models/quality'
import { profileFile, writeProfile } from '../../service/profile-cache'
import { CliUsageError, formatOptions, parseOptions, type OptionSpec } from './args'
import { resolveModelDir } from './model-dir'
import type { Command, CommandIo } from './types'

const OPTIONS: OptionSpec = {
  model: { type: 'string', value: 'DIR', help: 'model folder (default: the embedded model)' },
  prompt: { type: 'string', value: 'TEXT', help: 'prompt (default "red apple")' },
  negative: { type: 'string', value: 'TEXT', help: 'negative prompt' },
  cfg: { type: 'number', value: 'X', help: "CFG scale (default: the model's)" },
  steps: { type: 'string', value: 'N,N,…', help: 'step counts to compare (default 5,10,20)' },
  seeds: { type: 'int', value: 'N', help: 'seeds 0..N-1 (default 8)' },
  samplers: { type: 'string', value: 'ID,…', help: `samplers (default ${EVALUATION_SAMPLERS.join(',')})` },
  'reference-steps': { type: 'int', value: 'N', help: 'steps of the reference solve (heun, karras; default 200, at least 200)' },
  trajectories: { type: 'int', value: 'K', help: 'score-optimal calibration trajectories (default 8)' },
  intervals: { type: 'int', value: 'M', help: 'score-optimal calibration grid intervals (default 100)' },
  'no-cache': { type: 'flag', help: 'recalibrate score_optimal even when a cached profile exists' },
  library: { type: 'string', value: 'DIR', help: 'where calibrated profiles are cached (default: the library folder)' },
  markdown: { type: 'flag', help: 'print Markdown tables (for the README)' },
  device: { type: 'string', value: 'DEV', help: 'auto (default), cpu, cuda, dml, coreml or webgpu' },
  help: { type: 'flag', help: 'show this help' }
}

const USAGE = `usage: npm run -s studio -- evaluate schedules [--model DIR] [--steps 5,10,20] [--seeds 8] [options]

${formatOptions(OPTIONS)}`

function intList(v: string, name: string): number[] {
  const out = v.split(',').map((s) => Number(s.trim()))
  if (out.length === 0 || out.some((n) => !Number.isInteger(n) || n < 1 || n > 1000)) {
    throw new CliUsageError(`--${name} must be a comma-separated list of whole numbers from 1 to 1000, got "${v}"`)
  }
  return out
}

/** Loads the cached profile for `key`, or calibrates one and caches it. */
async function scoreOptimalProfile(
  model: LoadedModel,
  denoise: Denoiser,
  startNoise: (k: number) => Float64Array,
  key: string,
  cacheDir: string | null,
  settings: { trajectories: number; intervals: number },
  io: CommandIo
): Promise<ScoreOptimalProfile> {
  // The app's 'studio:calibrate' reads and writes the same files (src/main/service/profile-cache.ts).
  const file = cacheDir ? profileFile(cacheDir, key) : null
  if (file && existsSync(file)) {
    try {
      const p = validateProfile(JSON.parse(readFileSync(file, 'utf8')))
      io.err(`note: score_optimal profile from ${file}`)
      return p
    } catch (e) {
      io.err(`note: ignoring the unreadable cached profile ${file} (${e instanceof Error ? e.message : String(e)}); recalibrating`)
    }
  }
  const t0 = Date.now()
  let lastPct = -1
  const profile = await estimateScoreOptimalProfile(denoise, {
    sigmaMin: model.sigmas.sigmaMin,
    sigmaMax: model.sigmas.sigmaMax,
    trajectories: settings.trajectories,
    intervals: settings.intervals,
    startNoise,
    meta: { key },
    onProgress: (p) => {
      const pct = Math.floor(p.fraction * 10) * 10
      if (pct !== lastPct) {
        lastPct = pct
        io.err(`calibrating score_optimal: ${pct}% (${p.calls}/${p.totalCalls} model calls)`)
      }
    }
  })
  io.err(`calibrated score_optimal in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  if (file && cacheDir) writeProfile(cacheDir, key, profile)
  return profile
}

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: 'compare samplers x schedules against a reference solution (evaluate schedules)',
  usage: USAGE,
  async run(argv, io) {
    const [sub, ...rest] = argv
    if (sub === '--help' || sub === undefined) {
      io.out(USAGE)
      return sub === undefined ? 2 : 0
    }
    if (sub !== 'schedules') throw new CliUsageError(`unknown evaluate subcommand "${sub}"; use "evaluate schedules"`)
    const { options: o, positional } = parseOptions(rest, OPTIONS)
    if (o.help) {
      io.out(USAGE)
      return 0
    }
    if (positional.length) throw new CliUsageError(`unexpected argument "${positional[0]}"`)
    const steps = intList((o.steps as string | undefined) ?? '5,10,20', 'steps')
    const seedCount = (o.seeds as number | undefined) ?? 8
    if (seedCount < 1 || seedCount > 1000) throw new CliUsageError('--seeds must be between 1 and 1000')
    const samplers = o.samplers ? String(o.samplers).split(',').map((s) => s.trim()) : [...EVALUATION_SAMPLERS]
    const referenceSteps = (o['reference-steps'] as number | undefined) ?? 200
    const trajectories = (o.trajectories as number | undefined) ?? 8
    const intervals = (o.intervals as number | undefined) ?? 100

    const modelDir = resolveModelDir(o.model as string | undefined)
    const model = await loadModel(modelDir, { device: parseDevice((o.device as string | undefined) ?? 'auto'), cache: defaultSessionCache, log: (l) => io.err(`note: ${l}`) })
    const r = resolveRequest(model, {
      prompt: (o.prompt as string | undefined) ?? 'red apple',
      negativePrompt: (o.negative as string | undefined) ?? '',
      cfg: o.cfg as number | undefined,
      seed: '0',
      batchSize: 1
    })
    const { h, w, rowLength } = latentLayout(model, r)
    // CFG++ samplers need each evaluation's unconditional prediction: capture it when one is compared.
    const unknownSampler = samplers.find((s) => !SAMPLER_BY_ID.has(s))
    if (unknownSampler) throw new CliUsageError(`--samplers: unknown sampler "${unknownSampler}"; known: ${[...SAMPLER_BY_ID.keys()].join(', ')}`)
    const uncond = samplers.some((s) => SAMPLER_BY_ID.get(s)!.cfgPP) ? new UncondCapture() : undefined
    const denoise = await guidedDenoiser(model, r, { log: (l) => io.err(`note: ${l}`), uncond })
    const startNoise = (seed: number): Float64Array => Float64Array.from(new TorchGenerator(seed).randn(rowLength))
    const decode = async (latent: Float64Array): Promise<Uint8Array> => (await decodeLatents(model, latent, 1, h, w))[0].data

    const hash = await modelShortHash(modelDir)
    const key = calibrationKey(hash, r, resolveSettings({ sigmaMin: model.sigmas.sigmaMin, sigmaMax: model.sigmas.sigmaMax, intervals, trajectories }))
    const cacheDir = o['no-cache'] ? null : join(resolveLibraryDir(o.library as string | undefined), 'score-optimal')
    // Calibration trajectories use seeds far from the evaluation seeds, so the profile is not fitted to them.
    const profile = await scoreOptimalProfile(model, denoise, (k) => startNoise(CALIBRATION_SEED_BASE + k), key, cacheDir, { trajectories, intervals }, io)

    const family = model.folder.family
    let lastLabel = ''
    const table = await evaluateSchedules({
      denoise,
      startNoise,
      samplers,
      schedules: evaluationSchedules(family),
      steps,
      seeds: Array.from({ length: seedCount }, (_, i) => i),
      model: model.sigmas,
      reference: { sampler: 'heun', schedule: 'karras', steps: referenceSteps },
      profile,
      uncond,
      percentToSigma: (p) => percentToSigma(model.sigmas, p),
      decode,
      pixelRange: '8bit',
      checkReference: true,
      onProgress: (p) => {
        const label = p.label.split(' / ').slice(0, 2).join(' / ')
        if (label !== lastLabel) {
          lastLabel = label
          io.err(`[${p.done}/${p.total}] ${p.label}`)
        }
      }
    })
    const format = o.markdown ? 'markdown' : 'text'
    io.out(`model ${model.folder.name} (${hash}), prompt "${r.prompt}", cfg ${r.cfg}, ${r.width}x${r.height}, seeds 0..${seedCount - 1}`)
    for (const metric of ['rmse', 'median-rmse', 'psnr'] as const) {
      io.out('')
      io.out(formatEvaluation(table, { format, metric }))
    }
    return 0
  }
}
