/** `studio upscale IMG --upscaler NAME|lanczos|nearest --scale N [--tile N --overlap N] --out FILE` (A1111's Extras). */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { listUpscalers } from '../../models/upscaler'
import { runUpscale } from '../../models/upscaler/job'
import { parseDevice } from '../../models/onnx/runtime'
import { readSettings, settingsFilePath } from '../../settings/app-settings'
import { writeFileAtomic } from '../../util/atomic-write'
import { CliUsageError, formatOptions, parseOptions, type OptionSpec } from './args'
import { MODELS_DIR } from './model-dir'
import type { Command } from './types'

const OPTIONS: OptionSpec = {
  upscaler: { type: 'string', value: 'NAME', help: 'lanczos, nearest, an upscaler model\'s name (see --list) or a path to an .onnx file (default lanczos)' },
  scale: { type: 'number', value: 'N', help: 'upscale factor, above 1 and at most 8 (default 2)' },
  tile: { type: 'int', value: 'PX', help: 'model upscalers: tile side in input pixels (default 512)' },
  overlap: { type: 'int', value: 'PX', help: 'model upscalers: pixels shared by neighbouring tiles (default 32)' },
  out: { type: 'string', value: 'FILE', help: 'where to write the PNG (required)' },
  upscalers: { type: 'string', value: 'DIR', help: 'a folder of ONNX upscalers (default: the one chosen in Settings)' },
  device: { type: 'string', value: 'DEV', help: 'auto, cpu, cuda, dml, coreml, webgpu (default auto)' },
  list: { type: 'flag', help: 'list the upscalers and exit' },
  help: { type: 'flag', help: 'show this help' }
}

const USAGE = `usage: npm run -s studio -- upscale IMG --upscaler NAME|lanczos|nearest --scale N [--tile N --overlap N] --out FILE

Upscaler models are ONNX super-resolution models from models/*upscaler* folders and the upscalers folder.
${formatOptions(OPTIONS)}`

export function userDir(given: string | undefined): string | undefined {
  if (given) return resolve(given)
  try {
    return readSettings(settingsFilePath()).settings.upscalersDir
  } catch {
    return undefined
  }
}

export const upscaleCommand: Command = {
  name: 'upscale',
  summary: 'upscale an image with lanczos, nearest or an ONNX upscaler model (tiled)',
  usage: USAGE,
  async run(argv, io) {
    const { options, positional } = parseOptions(argv, OPTIONS)
    if (options.help) {
      io.out(USAGE)
      return 0
    }
    const dir = userDir(options.upscalers as string | undefined)
    if (options.list) {
      io.out('lanczos\t(resize)\nnearest\t(resize)')
      for (const e of listUpscalers(MODELS_DIR, dir)) io.out(`${e.name}\t${e.path}`)
      return 0
    }
    if (positional.length !== 1) throw new CliUsageError(positional.length === 0 ? 'give the image to upscale' : `one image at a time, got ${positional.length}: ${positional.join(' ')}`)
    const out = options.out as string | undefined
    if (!out) throw new CliUsageError('--out FILE is required')
    const img = resolve(positional[0])
    if (!existsSync(img) || !statSync(img).isFile()) throw new CliUsageError(`${img}: no such image file`)
    if (!existsSync(dirname(resolve(out)))) throw new CliUsageError(`--out: the folder ${dirname(resolve(out))} does not exist`)
    const started = Date.now()
    const res = await runUpscale({
      image: readFileSync(img),
      upscaler: (options.upscaler as string | undefined) ?? 'lanczos',
      scale: (options.scale as number | undefined) ?? 2,
      tile: options.tile as number | undefined,
      overlap: options.overlap as number | undefined,
      modelsDir: MODELS_DIR,
      userDir: dir,
      session: { device: options.device ? parseDevice(options.device as string) : 'auto' }
    })
    writeFileAtomic(resolve(out), res.png)
    io.out(`${resolve(out)}: ${res.sourceWidth}x${res.sourceHeight} -> ${res.width}x${res.height} with ${res.upscaler}${res.modelScale ? ` (${res.modelScale}x model)` : ''} in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    return 0
  }
}
