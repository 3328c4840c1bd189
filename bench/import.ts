/**
 * `npm run -s bench -- import`: what importing a single-file checkpoint costs.
 *
 * 1. A 2 GB-class checkpoint: the published SD 1.5 tensor list stored in float16 (2.13 GB, every byte
 *    written, not sparse), imported with the full SD1 template: wall time split into header + check +
 *    writing the folder, and hashing (sha256 of the whole file, the bulk of it); and the extra disk the
 *    model folder takes (allocated blocks of every file except the hard-linked checkpoint).
 * 2. First image (load the model + 4 Euler steps at 64x64) of the tiny sd1 fixture imported, against the
 *    same weights exported the usual way (tools/fixtures/checkpoints/exported, weights inside the ONNX
 *    files): the median of BENCH_REPEATS cold loads each.
 */
import { closeSync, copyFileSync, lstatSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { importCheckpoint } from '../src/main/models/checkpoint/import'
import { CKPT_FIXTURES, TINY_TEMPLATES } from '../src/main/models/checkpoint/test-fixtures'
import { writeSparseCheckpoint, type KeyList } from '../src/main/models/checkpoint/sparse-checkpoint'
import { loadModel } from '../src/main/models/model'
import { generate } from '../src/main/models/pipeline'

const REPEATS = Number(process.env.BENCH_REPEATS ?? 5)
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]
const r3 = (x: number): number => Math.round(x * 1000) / 1000

/** Bytes allocated on disk under `dir`, counting each inode once and skipping `skipIno`. */
function allocated(dir: string, skipIno: number, seen = new Set<number>()): number {
  let total = 0
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    const st = lstatSync(p)
    if (st.isDirectory()) total += allocated(p, skipIno, seen)
    else if (st.ino !== skipIno && !seen.has(st.ino)) {
      seen.add(st.ino)
      total += st.blocks * 512
    }
  }
  return total
}

/** The SD 1.5 list in float16, then every data byte overwritten with a pattern (so the file is real, not sparse). */
function write2GbCheckpoint(path: string): number {
  const ref = JSON.parse(readFileSync(resolve('reference/checkpoints/sd15-keys.json'), 'utf8')) as KeyList
  const f16: KeyList = { tensors: Object.fromEntries(Object.entries(ref.tensors).map(([k, t]) => [k, { ...t, dtype: t.dtype === 'F32' ? 'F16' : t.dtype }])) }
  const size = writeSparseCheckpoint(path, f16)
  const fd = openSync(path, 'r+')
  const head = Buffer.alloc(8)
  readSync(fd, head, 0, 8, 0)
  const n = Number(head.readBigUInt64LE(0))
  const chunk = Buffer.alloc(8 << 20)
  for (let i = 0; i < chunk.length; i += 2) chunk.writeUInt16LE(0x3c00 ^ (i & 0x3ff), i) // finite float16 values
  for (let pos = 8 + n; pos < size; pos += chunk.length) writeSync(fd, chunk, 0, Math.min(chunk.length, size - pos), pos)
  closeSync(fd)
  return size
}

async function firstImage(dir: string): Promise<number> {
  const t0 = performance.now()
  const model = await loadModel(dir)
  await generate(model, { prompt: 'a', negativePrompt: '', sampler: 'euler', schedule: 'karras', steps: 4, cfg: 5, seed: 1, width: 64, height: 64 })
  return performance.now() - t0
}

export async function benchImport(): Promise<unknown> {
  const work = mkdtempSync(join(tmpdir(), 'bench-import-'))
  try {
    const src = join(work, 'sd15-fp16.safetensors')
    const size = write2GbCheckpoint(src)
    const stages: Record<string, number> = {}
    let last = performance.now()
    let stage = 'start'
    const t0 = performance.now()
    const r = await importCheckpoint({
      file: src,
      modelsDir: join(work, 'models'),
      onProgress: (p) => {
        if (p.stage === stage) return
        const now = performance.now()
        stages[stage] = r3((now - last) / 1000)
        stage = p.stage
        last = now
      }
    })
    const seconds = (performance.now() - t0) / 1000
    const extra = allocated(r.dir, statSync(src).ino)

    // First image: imported tiny sd1 against the usual export of the same weights.
    const tiny = join(CKPT_FIXTURES, 'sd1-tiny.safetensors')
    const imported = (await importCheckpoint({ file: tiny, modelsDir: join(work, 'tiny'), name: 'imported', templatesDir: TINY_TEMPLATES })).dir
    const exported = (await importCheckpoint({ file: tiny, modelsDir: join(work, 'tiny'), name: 'exported', templatesDir: TINY_TEMPLATES })).dir
    for (const c of ['text_encoder', 'unet', 'vae_decoder', 'vae_encoder']) {
      copyFileSync(join(CKPT_FIXTURES, 'exported', 'sd1-tiny', `${c}.onnx`), join(exported, c, 'model.onnx'))
      rmSync(join(exported, c, 'weights.safetensors'))
    }
    const times = { imported: [] as number[], exported: [] as number[] }
    for (let i = 0; i < REPEATS; i++) {
      times.imported.push(await firstImage(imported))
      times.exported.push(await firstImage(exported))
    }
    return {
      checkpoint: { layout: 'SD 1.5 tensor list, float16', bytes: size },
      import: { seconds: r3(seconds), stages, weights: r.weights, extraDiskBytes: extra, extraDiskOfCheckpoint: r3(extra / size) },
      firstImageMs: {
        model: 'sd1-tiny (64x64, 4 euler steps, cold load)',
        repeats: REPEATS,
        imported: r3(median(times.imported)),
        exported: r3(median(times.exported))
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
