/**
 * `studio presets list|export|import|rename|delete` — presets from the command line. Presets live in
 * LIBRARY/presets (see `studio library`), or in `--presets DIR`.
 *
 * Exit codes: 0 fine, 1 the operation failed (bad file, name taken …), 2 bad usage.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { resolveLibraryDir } from '../../library/paths'
import { PresetError } from '../../presets/errors'
import { exportComfy, exportInfotext, importPresets, type ImportInput } from '../../presets/import'
import { PresetStore } from '../../presets/store'
import { writeFileAtomic } from '../../util/atomic-write'

export const summary = 'list, import and export presets (our JSON, A1111 infotext, ComfyUI workflows)'

const USAGE = `usage: studio presets <command> [options]

commands:
  list                           the saved presets
  export NAME [--out FILE]       one preset (stdout without --out)
          [--format json|a1111|comfy]   our JSON (default), A1111 infotext, ComfyUI API workflow
  export --all --out FILE        every preset in one bundle file
  import FILE|-                  our JSON (preset or bundle), A1111 infotext (text file or pasted on
                                 stdin with -), a ComfyUI workflow (API or UI JSON), InvokeAI
                                 metadata JSON, a diffusers scheduler_config.json, or a PNG carrying
                                 settings (ours, A1111's, ComfyUI's or InvokeAI's)
          [--text INFOTEXT]      import infotext given on the command line instead of a file
          [--name NAME]          name for a preset read from infotext or a PNG
          [--rename | --overwrite]   when the name is taken: keep both, or replace the old one
  rename OLD NEW
  delete NAME

options:
  --library DIR    library folder whose presets/ to use (default: $SIGMA_STUDIO_LIBRARY or user data)
  --presets DIR    use this presets folder instead
  --checkpoint F   (comfy) checkpoint file name for CheckpointLoaderSimple
  --json           machine-readable output`

const OPTIONS = {
  library: { type: 'string' },
  presets: { type: 'string' },
  out: { type: 'string' },
  format: { type: 'string' },
  all: { type: 'boolean' },
  text: { type: 'string' },
  name: { type: 'string' },
  rename: { type: 'boolean' },
  overwrite: { type: 'boolean' },
  checkpoint: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' }
} as const satisfies ParseArgsConfig['options']

class UsageError extends Error {}

function emit(text: string, out: string | undefined): void {
  if (out) writeFileAtomic(out, text.endsWith('\n') ? text : `${text}\n`)
  else process.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
}

export async function run(args: string[]): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true })
  } catch (e) {
    console.error(`studio presets: ${(e as Error).message}\n\n${USAGE}`)
    return 2
  }
  const { values: v, positionals } = parsed
  const [cmd, ...rest] = positionals
  if (v.help || !cmd) {
    ;(v.help ? console.log : console.error)(USAGE)
    return v.help ? 0 : 2
  }
  const store = new PresetStore(v.presets ?? join(resolveLibraryDir(v.library), 'presets'))
  try {
    switch (cmd) {
      case 'list': {
        const { presets, problems } = store.list()
        if (v.json) console.log(JSON.stringify({ presets, problems }, null, 2))
        else {
          for (const p of presets) {
            const q = p.params
            const bits = [q.sampler, q.schedule, q.steps !== undefined ? `steps ${q.steps}` : '', q.cfg !== undefined ? `cfg ${q.cfg}` : '', q.width ? `${q.width}x${q.height}` : ''].filter(Boolean)
            console.log(`${p.name}${bits.length ? `  (${bits.join(', ')})` : ''}`)
          }
          if (presets.length === 0) console.log(`no presets in ${store.dir}`)
          for (const pr of problems) console.error(`skipped ${pr.message}`)
        }
        return problems.length ? 1 : 0
      }
      case 'export': {
        if (v.all) {
          if (!v.out) throw new UsageError('export --all needs --out FILE')
          const b = store.exportAll(v.out)
          console.log(`exported ${b.presets.length} presets to ${v.out}`)
          return 0
        }
        const name = rest.join(' ')
        if (!name) throw new UsageError('export needs a preset name (or --all)')
        const preset = store.get(name)
        const format = v.format ?? 'json'
        if (format === 'json') emit(JSON.stringify(preset, null, 2), v.out)
        else if (format === 'a1111') emit(exportInfotext(preset), v.out)
        else if (format === 'comfy') {
          const { json, warnings } = exportComfy(preset, v.checkpoint ? { checkpoint: v.checkpoint } : {})
          emit(json, v.out)
          for (const w of warnings) console.error(`note: ${w}`)
        } else throw new UsageError(`--format must be json, a1111 or comfy, got "${format}"`)
        if (v.out) console.error(`wrote ${v.out}`)
        return 0
      }
      case 'import': {
        let input: ImportInput
        if (v.text !== undefined) input = { text: v.text, source: '--text' }
        else if (rest[0] === '-') input = { bytes: readFileSync(0), source: 'stdin' }
        else if (rest[0]) input = { file: rest[0] }
        else throw new UsageError('import needs a file, - for stdin, or --text INFOTEXT')
        if (v.rename && v.overwrite) throw new UsageError('choose one of --rename and --overwrite')
        const mode = v.rename ? 'rename' : v.overwrite ? 'overwrite' : 'error'
        const r = importPresets(store, input, { mode, ...(v.name !== undefined ? { name: v.name } : {}) })
        if (v.json) console.log(JSON.stringify({ imported: r.imported, conflicts: r.conflicts, warnings: r.warnings }, null, 2))
        for (const w of r.warnings) console.error(`note: ${w}`)
        if (r.conflicts.length) {
          for (const c of r.conflicts) console.error(`studio presets: a preset named "${c.existing}" already exists (importing "${c.name}")`)
          console.error('nothing was imported; run again with --rename to keep both (the new one gets a numbered name), --overwrite to replace, or --name NAME to choose another name')
          return 1
        }
        if (!v.json) {
          for (const o of r.imported) {
            console.log(`imported "${o.preset.name}"${o.renamedFrom ? ` (renamed from "${o.renamedFrom}")` : ''}${o.overwrote ? ' (replaced the old one)' : ''}`)
          }
        }
        return 0
      }
      case 'rename': {
        if (rest.length !== 2) throw new UsageError('rename needs OLD and NEW names (quote names with spaces)')
        const p = store.rename(rest[0], rest[1])
        console.log(`renamed "${rest[0]}" to "${p.name}"`)
        return 0
      }
      case 'delete': {
        const name = rest.join(' ')
        if (!name) throw new UsageError('delete needs a preset name')
        store.delete(name)
        console.log(`deleted "${name}"`)
        return 0
      }
      default:
        throw new UsageError(`unknown command "${cmd}"`)
    }
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`studio presets: ${e.message}\n\n${USAGE}`)
      return 2
    }
    if (e instanceof PresetError) {
      console.error(`studio presets: ${e.message}`)
      return 1
    }
    throw e
  }
}
