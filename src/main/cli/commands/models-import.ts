/** `studio models import FILE.safetensors`: a single-file checkpoint becomes a model folder (models/checkpoint). */
import { CheckpointError, IMPORT_FAMILIES, type ImportFamily } from '../../models/checkpoint/detect'
import { importCheckpoint, type ImportProgress } from '../../models/checkpoint/import'
import { TemplateError } from '../../models/checkpoint/templates'
import { SafetensorsError } from '../../models/safetensors/safetensors'
import { readSettings, settingsFilePath } from '../../settings/app-settings'
import { CliUsageError, formatOptions, parseOptions, type OptionSpec } from './args'
import { MODELS_DIR } from './model-dir'
import type { CommandIo } from './types'

const OPTIONS: OptionSpec = {
  name: { type: 'string', value: 'NAME', help: 'the model folder name (default: the file name without .safetensors)' },
  models: { type: 'string', value: 'DIR', help: 'the models folder to import into (default: the one in Settings, else the app\'s models/)' },
  family: { type: 'string', value: 'F', help: `auto (default), ${IMPORT_FAMILIES.join(', ')}; sd2 = 512 epsilon, sd2-v = 768 v-prediction` },
  vae: { type: 'string', value: 'FILE', help: 'a separate VAE .safetensors that replaces the checkpoint\'s' },
  json: { type: 'flag', help: 'print the result as JSON' },
  help: { type: 'flag', help: 'show this help' }
}

export const IMPORT_USAGE = `usage: npm run -s studio -- models import FILE.safetensors [--name NAME] [--models DIR] [--family auto|${IMPORT_FAMILIES.join('|')}] [--vae FILE]

Reads only the file's header, checks every tensor against the family's template and writes a model folder
whose ONNX graphs read the weights straight from the checkpoint (hard-linked into the folder: no copy).
${formatOptions(OPTIONS)}`

/** The models folder: --models, else Settings' modelsDir, else the app's models/. */
export function defaultModelsDir(): string {
  return readSettings(settingsFilePath()).settings.modelsDir ?? MODELS_DIR
}

export async function runModelsImport(argv: readonly string[], io: CommandIo): Promise<number> {
  const { options: o, positional } = parseOptions(argv, OPTIONS)
  if (o.help) {
    io.out(IMPORT_USAGE)
    return 0
  }
  if (positional.length !== 1) throw new CliUsageError(`models import takes one checkpoint file, got ${positional.length}`)
  const fam = typeof o.family === 'string' && o.family !== 'auto' ? o.family : undefined
  if (fam !== undefined && !IMPORT_FAMILIES.includes(fam as ImportFamily)) throw new CliUsageError(`--family must be auto or one of ${IMPORT_FAMILIES.join(', ')}, got "${fam}"`)
  const started = performance.now()
  let lastPct = -1
  const onProgress = (p: ImportProgress): void => {
    if (p.stage !== 'hash' || o.json) return
    const pct = Math.floor((100 * p.done) / Math.max(1, p.total))
    if (pct >= lastPct + 10) {
      lastPct = pct
      io.err(`hashing ${pct}%`)
    }
  }
  try {
    const r = await importCheckpoint({
      file: positional[0],
      modelsDir: typeof o.models === 'string' ? o.models : defaultModelsDir(),
      name: typeof o.name === 'string' ? o.name : undefined,
      family: fam as ImportFamily | undefined,
      vae: typeof o.vae === 'string' ? o.vae : undefined,
      onProgress
    })
    const seconds = (performance.now() - started) / 1000
    if (o.json) {
      io.out(JSON.stringify({ ...r, seconds }, null, 2))
      return 0
    }
    io.out(`imported ${r.name} (${r.detected.family}, ${r.detected.prediction}) into ${r.dir} in ${seconds.toFixed(1)} s`)
    io.out(`  why: ${r.detected.evidence.join('; ')}`)
    io.out(`  weights: ${r.weights === 'link' ? 'read from the checkpoint through a hard link (no copy)' : 'the file could not be hard-linked here; its weights are read into memory when the model loads'}`)
    io.out(`  sha256 ${r.sha256}`)
    if (r.missingOptional.length) io.out(`  not in the file (not needed): ${r.missingOptional.length} keys, e.g. ${r.missingOptional[0]}`)
    if (r.ignoredKeys) io.out(`  ignored: ${r.ignoredKeys} keys the template does not use (e.g. EMA copies)`)
    return 0
  } catch (e) {
    if (e instanceof CheckpointError || e instanceof SafetensorsError || e instanceof TemplateError) {
      io.err(`studio models import: error: ${e.message}`)
      return 1
    }
    throw e
  }
}
