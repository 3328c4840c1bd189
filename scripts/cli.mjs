#!/usr/bin/env node
// `npm run -s studio -- …` and `npm run -s conformance -- …` run the CLI from a bundle instead of
// transpiling TypeScript at every start (tsx spent ~2 s of a 0.2 s job). The bundle (esbuild: ESM,
// packages left external so native modules load their own binaries, commands split into chunks so
// `studio library …` never loads ONNX Runtime) lives in out/cli/<key>/, where the key names the newest
// source file's time and the source count: any edit under src/ builds a fresh one on the next run, and
// a fresh clone builds it on first use (about a second). Builds go to a temporary folder renamed into
// place, so concurrent runs never read a half-written bundle. `node scripts/cli.mjs --build` only builds.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const ENTRIES = { studio: 'src/main/cli/studio.ts', conformance: 'src/main/cli/conformance.ts', worker: 'src/main/worker/entry.ts' }

/** Newest modification time and count of the sources (and this script, and the lock file). */
function sourceKey() {
  let newest = 0
  let count = 0
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name)
      if (e.isDirectory()) walk(p)
      else if (/\.(ts|tsx|mjs|js|json)$/.test(e.name) && !/\.test\.tsx?$/.test(e.name)) {
        newest = Math.max(newest, statSync(p).mtimeMs)
        count++
      }
    }
  }
  walk(join(root, 'src'))
  for (const f of [fileURLToPath(import.meta.url), join(root, 'package-lock.json'), join(root, 'package.json')]) {
    if (existsSync(f)) newest = Math.max(newest, statSync(f).mtimeMs)
  }
  return createHash('sha1').update(`${newest}:${count}:${process.version}`).digest('hex').slice(0, 12)
}

async function build(dir) {
  const tmp = `${dir}.tmp-${process.pid}`
  rmSync(tmp, { recursive: true, force: true })
  const { build } = await import('esbuild')
  await build({
    absWorkingDir: root,
    entryPoints: Object.entries(ENTRIES).map(([out, src]) => ({ out, in: src })),
    outdir: tmp,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'error',
    // Some dependencies are CommonJS and use require(); give the ESM bundle one.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" }
  })
  try {
    renameSync(tmp, dir)
  } catch (e) {
    // Another run built the same sources at the same moment: use its bundle.
    rmSync(tmp, { recursive: true, force: true })
    if (!existsSync(join(dir, 'studio.mjs'))) throw e
  }
  // Older builds are no longer needed (a run still using one has already loaded it).
  for (const name of readdirSync(dirname(dir))) {
    if (name !== dirname(dir) && join(dirname(dir), name) !== dir && !name.includes('.tmp-')) rmSync(join(dirname(dir), name), { recursive: true, force: true })
  }
}

/** The bundle folder for the current sources, built when missing. */
export async function ensureBundle() {
  const dir = join(root, 'out', 'cli', sourceKey())
  if (!existsSync(join(dir, 'studio.mjs'))) {
    mkdirSync(dirname(dir), { recursive: true })
    await build(dir)
  }
  return dir
}

const [what, ...rest] = process.argv.slice(2)
if (what === '--build') {
  console.log(await ensureBundle())
} else if (what === 'studio' || what === 'conformance') {
  const dir = await ensureBundle()
  const file = join(dir, `${what}.mjs`)
  // The bundled entry sees the same argv as when run directly (it reads process.argv[1] and the rest).
  process.argv = [process.argv[0], file, ...rest]
  await import(pathToFileURL(file).href)
} else {
  console.error('usage: node scripts/cli.mjs studio|conformance [args…] | --build')
  process.exit(2)
}
