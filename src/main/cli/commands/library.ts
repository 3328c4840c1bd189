/**
 * `studio library list|search|verify|rebuild|reconcile|export` — the image library from the command
 * line. Every subcommand takes `--library DIR` (else $SIGMA_STUDIO_LIBRARY, else the platform's
 * user-data folder) and `--json` for machine-readable output.
 *
 * Exit codes: 0 fine, 1 the library is inconsistent or the operation failed, 2 bad usage.
 */
import { existsSync } from 'node:fs'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { Library, LibraryError, rebuildLibraryIndex, resolveLibraryDir, type LibraryEntry, type ListQuery, type Page } from '../../library/index'

export const summary = 'browse, search, verify, rebuild and export the image library'

const USAGE = `usage: studio library <command> [options]

commands:
  list                      newest images first
  search TEXT…              full-text search over prompts ("word*" matches a prefix)
  verify [--deep]           check index and files (sizes; --deep reads every PNG and checks its
                            checksum); exit 1 when anything is inconsistent
  reconcile                 repair (a full pass over the folder): index orphan PNGs, flag missing
                            files, clean temp files, remake thumbnails
  rebuild                   make a new index from the PNGs alone (close the app first)
  export [ID…] --out DIR    copy images (PNG + manifest.json); without ids, what the filters select

options:
  --library DIR             library folder (default: $SIGMA_STUDIO_LIBRARY or the user-data folder)
  --limit N --offset N      paging for list/search (default 20, 0)
  --model NAME --sampler ID --schedule ID --favourite --tag TAG
  --from DATE --to DATE     ISO dates, inclusive
  --search TEXT             (export) select by prompt search
  --negative                (search) also match negative prompts
  --deep                    (verify) read every PNG in full
  --json                    machine-readable output`

/** Thrown for bad command lines: exit code 2 and the usage text. */
export class UsageError extends Error {}

const OPTIONS = {
  library: { type: 'string' },
  limit: { type: 'string' },
  offset: { type: 'string' },
  model: { type: 'string' },
  sampler: { type: 'string' },
  schedule: { type: 'string' },
  favourite: { type: 'boolean' },
  favorite: { type: 'boolean' },
  tag: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  search: { type: 'string' },
  out: { type: 'string' },
  negative: { type: 'boolean' },
  deep: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' }
} as const satisfies ParseArgsConfig['options']

function intOpt(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} must be a whole number, got "${v}"`)
  return Number(v)
}

function query(v: Record<string, string | boolean | undefined>): ListQuery {
  const q: ListQuery = { limit: intOpt(v.limit as string | undefined, 'limit', 20), offset: intOpt(v.offset as string | undefined, 'offset', 0) }
  if (v.model !== undefined) q.model = v.model as string
  if (v.sampler !== undefined) q.sampler = v.sampler as string
  if (v.schedule !== undefined) q.schedule = v.schedule as string
  if (v.favourite || v.favorite) q.favourite = true
  if (v.tag !== undefined) q.tag = v.tag as string
  if (v.from !== undefined) q.from = v.from as string
  if (v.to !== undefined) q.to = endOfDay(v.to as string)
  return q
}

/** "--to 2026-01-31" means the whole of that day. */
function endOfDay(s: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T23:59:59.999Z` : s
}

function oneLine(e: LibraryEntry): string {
  const p = e.params
  const prompt = p.prompt.replace(/\s+/g, ' ')
  return [
    e.id,
    e.createdAt.slice(0, 19).replace('T', ' '),
    e.model || '-',
    `${p.sampler}/${p.schedule}`,
    `steps ${p.steps}`,
    `cfg ${p.cfg}`,
    `seed ${p.seed}`,
    `${p.width}x${p.height}`,
    e.favourite ? '★' : '',
    e.missingSince ? '[file missing]' : '',
    JSON.stringify(prompt.length > 60 ? `${prompt.slice(0, 60)}…` : prompt)
  ]
    .filter(Boolean)
    .join('  ')
}

function printPage(page: Page, json: boolean): void {
  if (json) {
    console.log(JSON.stringify(page, null, 2))
    return
  }
  for (const e of page.items) console.log(oneLine(e))
  const end = page.offset + page.items.length
  console.log(page.total === 0 ? 'no images' : `${page.offset + 1}–${end} of ${page.total}${end < page.total ? ` (next: --offset ${end})` : ''}`)
}

export async function run(args: string[]): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true })
  } catch (e) {
    console.error(`studio library: ${(e as Error).message}\n\n${USAGE}`)
    return 2
  }
  const { values: v, positionals } = parsed
  const [cmd, ...rest] = positionals
  if (v.help || !cmd) {
    ;(cmd || v.help ? console.log : console.error)(USAGE)
    return v.help ? 0 : 2
  }
  const dir = resolveLibraryDir(v.library)
  const json = !!v.json
  const needsExisting = cmd === 'verify' || cmd === 'rebuild' || cmd === 'export' || cmd === 'reconcile'
  if (needsExisting && !existsSync(dir)) {
    console.error(`studio library: there is no library at ${dir}; pass --library DIR or set SIGMA_STUDIO_LIBRARY`)
    return 1
  }
  let lib: Library | undefined
  try {
    switch (cmd) {
      case 'list': {
        lib = Library.open(dir)
        printPage(lib.list(query(v)), json)
        return 0
      }
      case 'search': {
        if (rest.length === 0) throw new UsageError('search needs the words to look for, e.g. studio library search red fox')
        lib = Library.open(dir)
        printPage(lib.search(rest.join(' '), { ...query(v), includeNegative: !!v.negative }), json)
        return 0
      }
      case 'verify': {
        lib = Library.open(dir)
        const r = lib.verify({ deep: !!v.deep })
        if (json) console.log(JSON.stringify(r, null, 2))
        else {
          console.log(`${dir}: ${r.rows} rows, ${r.files} image files${r.deep ? ' (every PNG read in full)' : ' (sizes checked; --deep reads every PNG)'}`)
          for (const m of r.missingFiles) console.log(`missing file: ${m.id} → ${m.file}`)
          for (const f of r.unindexed) console.log(`not indexed: ${f}`)
          for (const d of r.damaged) console.log(`damaged: ${d.file}: ${d.reason}`)
          for (const t of r.tempFiles) console.log(`temporary file left by a crash: ${t}`)
          for (const d of r.pendingDeletions) console.log(`interrupted deletion: ${d}`)
          // Nothing can make a lost input again: the image is fine, only "use these settings" loses it.
          for (const p of r.inputProblems ?? []) console.log(`init image or mask of ${p.id} ${p.reason}: ${p.file} (the image is fine; put the original file back under that name to restore it)`)
          if (r.integrity !== 'ok') console.log(`index integrity: ${r.integrity}`)
          if (r.missingThumbnails) console.log(`note: ${r.missingThumbnails} thumbnails missing (remade by reconcile)`)
          console.log(r.ok ? 'ok: index and files agree' : 'INCONSISTENT: run `studio library reconcile` to repair, or `studio library rebuild` to re-index from the images')
        }
        return r.ok ? 0 : 1
      }
      case 'reconcile': {
        lib = Library.open(dir)
        const r = await lib.reconcile()
        if (json) console.log(JSON.stringify(r, null, 2))
        else {
          console.log(`indexed ${r.indexed.length}, flagged missing ${r.flaggedMissing.length}, restored ${r.restored.length}, quarantined ${r.quarantined.length}, temp files removed ${r.tempRemoved.length}, deletions finished ${r.deletionsCompleted.length}, thumbnails made ${r.thumbnailsMade}${r.orphanInputsRemoved ? `, unused init images/masks removed ${r.orphanInputsRemoved}` : ''}`)
          for (const q of r.quarantined) console.log(`quarantined: ${q.file}: ${q.reason}`)
          for (const l of r.leftAlone ?? []) console.log(`left alone (not made by the library): ${l.file}: ${l.reason}`)
        }
        return 0
      }
      case 'rebuild': {
        // Without opening the old index: it may be the thing that is broken.
        const r = await rebuildLibraryIndex(dir)
        if (json) console.log(JSON.stringify(r, null, 2))
        else {
          console.log(`rebuilt the index from ${r.indexed} images${r.userDataKept ? ` (favourites and tags of ${r.userDataKept} kept from the old index)` : ''}`)
          for (const s of r.skipped) console.log(`skipped: ${s.file}: ${s.reason}`)
          if (r.backup) console.log(`old index kept as ${r.backup}`)
        }
        return 0
      }
      case 'export': {
        if (!v.out) throw new UsageError('export needs --out DIR, the folder to copy the images into')
        lib = Library.open(dir)
        let ids = rest
        if (ids.length === 0) {
          const q = { ...query(v), limit: 10_000, offset: 0 }
          const page = v.search ? lib.search(v.search, q) : lib.list(q)
          ids = page.items.map((e) => e.id)
        }
        if (ids.length === 0) {
          console.error('studio library: nothing to export: give image ids, or filters that select some')
          return 1
        }
        const r = lib.exportSelection(ids, v.out)
        if (json) console.log(JSON.stringify(r, null, 2))
        else {
          console.log(`exported ${r.files.length} images to ${v.out} (manifest: ${r.manifest})`)
          for (const s of r.skipped) console.log(`skipped ${s.id}: ${s.reason}`)
        }
        return r.skipped.length ? 1 : 0
      }
      default:
        throw new UsageError(`unknown command "${cmd}"`)
    }
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`studio library: ${e.message}\n\n${USAGE}`)
      return 2
    }
    if (e instanceof LibraryError) {
      console.error(`studio library: ${e.message}`)
      return 1
    }
    throw e
  } finally {
    lib?.close()
  }
}
