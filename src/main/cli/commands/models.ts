/** `studio models inspect DIR`: what the studio finds in a model folder, session by session. */
import { basename } from 'node:path'
import type { ComponentName } from '../../models/folder'
import { loadModel, type LoadedModel } from '../../models/model'
import { parseDevice, type TensorSpec } from '../../models/onnx/runtime'
import { maxSide } from '../../models/pipeline'
import { formatBytes, largestFittingSize } from '../../../shared/memory-estimate'
import { availableMemory, type AvailableMemory } from '../../util/memory'
import { CliUsageError, formatOptions, parseOptions, type OptionSpec } from './args'
import { resolveModelDir } from './model-dir'
import { IMPORT_USAGE, runModelsImport } from './models-import'
import type { Command } from './types'

const OPTIONS: OptionSpec = {
  device: { type: 'string', value: 'DEV', help: 'open the sessions on this device (auto, cpu, cuda, dml, coreml, webgpu)' },
  json: { type: 'flag', help: 'print the findings as JSON' },
  help: { type: 'flag', help: 'show this help' }
}

const USAGE = `usage: npm run -s studio -- models inspect [DIR] [--device DEV] [--json]

DIR defaults to the embedded model.
${formatOptions(OPTIONS)}

${IMPORT_USAGE}`

const spec = (s: TensorSpec): string => `${s.name}: ${s.type} [${s.shape.join(', ')}]`
const batch = (n: number): string => (n === Infinity ? 'dynamic' : `fixed at ${n}`)

/**
 * The largest square one image (with CFG) can be made at: the model's own limit, lowered to what the
 * memory available now allows (the weights are loaded already, so they are not counted again).
 */
export function largestSquare(m: LoadedModel, available: AvailableMemory = availableMemory()): { side: number; byMemory: boolean; available: AvailableMemory } {
  const cap = maxSide(m.folder)
  const fit = largestFittingSize(m.folder.memory, { width: cap, height: cap, images: 1, cfg: 2 }, available.bytes, true)
  const side = Math.min(cap, fit?.width ?? 0)
  return { side, byMemory: side < cap, available }
}

function unetSummary(m: LoadedModel) {
  const f = m.folder
  const sq = largestSquare(m)
  return {
    batch: batch(m.unet.maxBatch),
    spatial: m.unet.fixedLatent
      ? `fixed at ${m.unet.fixedLatent.width * f.vaeScale}x${m.unet.fixedLatent.height * f.vaeScale} px`
      : sq.side === 0
        ? `dynamic, sides in steps of ${f.sizeStep} px; not even ${f.sizeStep}x${f.sizeStep} fits in the ${formatBytes(sq.available.bytes)} of memory available`
        : `dynamic, sides in steps of ${f.sizeStep} px, up to ${sq.side}x${sq.side} with CFG${sq.byMemory ? ` (by the ${formatBytes(sq.available.bytes)} of memory available now)` : ''}`,
    dtype: m.unet.sample.type,
    timestep: `${m.unet.timestep.type} ${m.unet.timestepShape === 'batch' ? 'one per batch row' : m.unet.timestepShape === 'one' ? 'one value [1]' : 'scalar'}`,
    tokens: m.unet.fixedTokens ?? 'dynamic (long prompts use several 77-token chunks)',
    contextWidth: m.unet.contextWidth,
    addedConditioning: m.unet.textEmbeds ? 'text_embeds + time_ids (SDXL)' : m.unet.timestepCond ? 'timestep_cond (LCM guidance embedding)' : 'none'
  }
}

function img2imgSummary(m: LoadedModel): string {
  if (!m.vaeEncoder) return 'no (no vae_encoder)'
  return m.vaeEncoder.parameters ? 'yes (vae_encoder returns mean + log-variance; the mean is used)' : 'yes'
}

interface ComponentReport {
  file?: string
  externalData: string[]
  device?: string
  inputs: readonly TensorSpec[]
  outputs: readonly TensorSpec[]
}

function componentReports(m: LoadedModel): Record<string, ComponentReport> {
  const out: Record<string, ComponentReport> = {}
  for (const [name, s] of Object.entries(m.sessions)) {
    if (!s) continue
    const c = name as ComponentName
    out[name] = { file: m.folder.components[c]?.model, externalData: m.folder.components[c]?.externalData ?? [], device: m.devices[c], inputs: s.inputs, outputs: s.outputs }
  }
  return out
}

/** The findings as plain data (for --json and tests). */
export function modelReport(m: LoadedModel): Record<string, unknown> {
  const f = m.folder
  return {
    dir: f.dir,
    pipeline: f.pipelineClass,
    family: f.family,
    variant: f.variant,
    evidence: f.evidence,
    prediction: f.prediction,
    scheduler: { class: f.schedulerClass, ...f.sigmaConfig },
    scalingFactor: f.scalingFactor,
    scalingFactorSource: f.scalingFactorSource,
    latent: { channels: m.unet.latentChannels, vaeScale: f.vaeScale, sampleSize: f.sampleSize, sizeStep: f.sizeStep },
    unet: unetSummary(m),
    textEncoders: m.textEncoders.map((t) => ({ component: t.component, inputIds: t.idsType, batch: batch(t.maxBatch), hidden: t.hiddenOutput, pooled: t.pooledOutput ?? null, width: t.width })),
    img2img: img2imgSummary(m),
    defaults: f.defaults,
    components: componentReports(m)
  }
}

function printReport(m: LoadedModel, out: (l: string) => void): void {
  const f = m.folder
  const u = unetSummary(m)
  out(`${f.dir}`)
  out(`  family       ${f.family}${f.variant === 'base' ? '' : ` (${f.variant}, few-step)`}  — ${f.evidence.join('; ')}`)
  out(`  pipeline     ${f.pipelineClass || '(no model_index.json)'}`)
  out(`  prediction   ${f.prediction}; scheduler ${f.schedulerClass || '(none)'}, ${f.sigmaConfig.betaSchedule} ${f.sigmaConfig.betaStart}→${f.sigmaConfig.betaEnd} over ${f.sigmaConfig.numTrainTimesteps}${f.sigmaConfig.zeroTerminalSnr ? ', zero terminal SNR' : ''}`)
  out(`  sigmas       ${m.sigmas.sigmaMin.toFixed(4)} … ${m.sigmas.sigmaMax.toFixed(4)}`)
  out(`  VAE scale    ${f.scalingFactor} (${f.scalingFactorSource}); ${f.vaeScale} px per latent cell`)
  out(`  UNet         ${u.dtype} I/O, batch ${u.batch}, size ${u.spatial}, timestep ${u.timestep}, tokens ${u.tokens}, context width ${u.contextWidth}, added conditioning: ${u.addedConditioning}`)
  for (const t of m.textEncoders) out(`  ${t.component.padEnd(12)} input_ids ${t.idsType}, batch ${batch(t.maxBatch)}, reads ${t.hiddenOutput}${t.pooledOutput ? ` + ${t.pooledOutput}` : ''} (width ${t.width})`)
  out(`  img2img      ${img2imgSummary(m)}`)
  out(`  defaults     ${f.defaults.width}x${f.defaults.height}, ${f.defaults.steps} steps, cfg ${f.defaults.cfg}, ${f.defaults.sampler}/${f.defaults.schedule}`)
  out('  sessions')
  for (const [name, c] of Object.entries(componentReports(m))) {
    const ext = c.externalData.length ? `, external data: ${c.externalData.map((p) => basename(p)).join(', ')}` : ''
    out(`    ${name} (${c.device ?? '?'}${ext})`)
    for (const s of c.inputs) out(`      in   ${spec(s)}`)
    for (const s of c.outputs) out(`      out  ${spec(s)}`)
  }
}

export const modelsCommand: Command = {
  name: 'models',
  summary: 'inspect model folders, import checkpoints (models inspect DIR | models import FILE.safetensors)',
  usage: USAGE,
  async run(argv, io) {
    const [sub, ...rest] = argv
    if (sub === undefined || sub === '--help' || sub === 'help') {
      io.out(USAGE)
      return sub === undefined ? 2 : 0
    }
    if (sub === 'import') return runModelsImport(rest, io)
    if (sub !== 'inspect') throw new CliUsageError(`unknown subcommand "models ${sub}"; use: models inspect DIR, or models import FILE.safetensors`)
    const { options: o, positional } = parseOptions(rest, OPTIONS)
    if (o.help) {
      io.out(USAGE)
      return 0
    }
    if (positional.length > 1) throw new CliUsageError(`models inspect takes one folder, got ${positional.length}`)
    const notes: string[] = []
    const model = await loadModel(resolveModelDir(positional[0]), { device: parseDevice(typeof o.device === 'string' ? o.device : 'auto'), log: (l) => notes.push(l) })
    for (const n of notes) io.err(`note: ${n}`)
    if (o.json) io.out(JSON.stringify(modelReport(model), null, 2))
    else printReport(model, io.out)
    return 0
  }
}
