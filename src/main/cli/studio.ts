/**
 * `npm run -s studio -- <command> [subcommand] [options]`: the headless studio.
 *
 * A small dispatcher: each command is its own module under ./commands (generate, models, and later
 * library, presets, evaluate), listed in COMMANDS. User errors (a bad folder, size, sampler, …) print one
 * line and exit 1 (2 for a usage error); only unexpected failures print a stack trace.
 */
import { EngineInputError } from '../engine/types'
import { isUserFacingError } from '../models/errors'
import { ParamsError } from '../../shared/params'
import { CliUsageError } from './commands/args'
import type { Command, CommandIo } from './commands/types'

/** A command module written as `{ summary, run(args) }` (prints its own output, returns the exit code). */
interface PlainCommandModule {
  run(args: string[]): Promise<number>
}

/**
 * The commands, loaded on demand so that `studio library …` does not start ONNX Runtime and a broken
 * command module cannot break the others.
 */
export interface CommandEntry {
  name: string
  summary: string
  load(): Promise<Command>
}

const plain = (name: string, summary: string, load: () => Promise<PlainCommandModule>): CommandEntry => ({
  name,
  summary,
  load: async () => {
    const m = await load()
    return { name, summary, usage: '', run: (argv) => m.run([...argv]) }
  }
})

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'generate', summary: 'turn a prompt (and optionally an init image) into PNG images', load: async () => (await import('./commands/generate')).generateCommand },
  { name: 'models', summary: 'inspect model folders, import checkpoints (models inspect DIR | models import FILE.safetensors)', load: async () => (await import('./commands/models')).modelsCommand },
  plain('library', 'browse, search, verify, rebuild and export the image library', () => import('./commands/library')),
  plain('presets', 'list, import and export presets (our JSON, A1111 infotext, ComfyUI workflows)', () => import('./commands/presets')),
  { name: 'node', summary: 'run a render node of a farm: take cells from Redis (BullMQ) and render them', load: async () => (await import('./commands/node')).nodeCommand },
  { name: 'sweep', summary: 'an X/Y sweep over any two parameters as one grid job (locally or on a farm --farm URL)', load: async () => (await import('./commands/sweep')).sweepCommand },
  { name: 'gallery', summary: 'samplers x schedules as one grid job (locally or on a farm --farm URL)', load: async () => (await import('./commands/sweep')).galleryCommand },
  { name: 'upscale', summary: 'upscale an image with lanczos, nearest or an ONNX upscaler model (upscale IMG --upscaler NAME --scale N --out FILE)', load: async () => (await import('./commands/upscale')).upscaleCommand },
  { name: 'evaluate', summary: 'compare samplers x schedules against a reference solution (evaluate schedules)', load: async () => (await import('./commands/evaluate')).evaluateCommand }
]

function help(io: CommandIo): void {
  io.out('usage: npm run -s studio -- <command> [options]\n\ncommands:')
  const width = Math.max(...COMMANDS.map((c) => c.name.length))
  for (const c of COMMANDS) io.out(`  ${c.name.padEnd(width)}  ${c.summary}`)
  io.out('\n`studio <command> --help` shows a command\'s options.')
}

/** Runs the CLI; returns the exit code. Exported for tests. */
export async function main(argv: readonly string[], io: CommandIo = { out: (l) => console.log(l), err: (l) => console.error(l) }): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    help(io)
    return name === undefined ? 2 : 0
  }
  const entry = COMMANDS.find((c) => c.name === name)
  if (!entry) {
    io.err(`studio: unknown command "${name}"; commands: ${COMMANDS.map((c) => c.name).join(', ')}`)
    return 2
  }
  try {
    const command = await entry.load()
    return await command.run(rest, io)
  } catch (e) {
    if (e instanceof CliUsageError) {
      io.err(`studio ${name}: ${e.message} (see: studio ${name} --help)`)
      return 2
    }
    if (isUserFacingError(e) || e instanceof EngineInputError || e instanceof ParamsError) {
      io.err(`studio ${name}: error: ${e.message}`)
      return 1
    }
    io.err(`studio ${name}: internal error: ${e instanceof Error ? (process.env.STUDIO_DEBUG ? (e.stack ?? e.message) : e.message) : String(e)}`)
    return 1
  }
}

const isEntry = process.argv[1] !== undefined && /studio\.(ts|js|mjs)$/.test(process.argv[1])
if (isEntry) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(e instanceof Error ? (e.stack ?? e.message) : String(e))
      process.exit(1)
    }
  )
}
