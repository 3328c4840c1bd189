/**
 * `npm run -s bench -- upscale`: tiled model upscaling with the bundled models/emoji-upscaler-2x (or
 * BENCH_UPSCALER), tile 512 / overlap 32, at 1024 and 4096 px output (512 and 2048 px input). Each size runs
 * in its own child process so peak memory is that run's alone:
 *
 *   peakRssMB           the child's peak resident set (OS maxRSS): Node + ORT + model + images + tiles
 *   beforeUpscaleRssMB  resident set after loading the model and making the input image
 *   upscaleDeltaMB      peakRssMB - beforeUpscaleRssMB: what the tiled upscale itself added
 *   msPerOutputMP       wall time per megapixel of output
 *   peakRatio4096to1024 should stay within 1.5 (memory bounded by the tile, not the image)
 */
import { spawnSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadUpscaler, upscaleImage, type RgbImage } from '../src/main/models/upscaler'

const here = fileURLToPath(import.meta.url)
const mb = (n: number): number => Math.round(n / 2 ** 20)

async function child(outSide: number): Promise<void> {
  const dir = process.env.BENCH_UPSCALER ?? join(resolve('.'), 'models', 'emoji-upscaler-2x')
  const u = await loadUpscaler(dir, { device: 'cpu' })
  const side = Math.round(outSide / u.scale)
  const data = new Uint8Array(side * side * 3)
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24
  const img: RgbImage<Uint8Array> = { data, width: side, height: side, channels: 3 }
  const before = process.memoryUsage().rss
  const t0 = performance.now()
  let tiles = 0
  const out = await upscaleImage(u, img, { tile: 512, overlap: 32, onProgress: (_, t) => (tiles = t) })
  const ms = performance.now() - t0
  const peak = process.resourceUsage().maxRSS * 1024
  console.log(JSON.stringify({ upscaler: u.name, inputSide: side, outputSide: out.width, tiles, ms: Math.round(ms), msPerOutputMP: Math.round(ms / ((out.width * out.height) / 1e6)), peakRssMB: mb(peak), beforeUpscaleRssMB: mb(before), upscaleDeltaMB: mb(peak - before) }))
  await u.release()
}

export async function benchUpscale(): Promise<unknown> {
  const runs = [1024, 4096].map((side) => {
    const r = spawnSync(process.execPath, [...process.execArgv, here, '--child', String(side)], { encoding: 'utf8', maxBuffer: 1 << 20 })
    if (r.status !== 0) throw new Error(`bench child ${side}: ${r.stderr}`)
    return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { peakRssMB: number; upscaleDeltaMB: number }
  })
  return { runs, peakRatio4096to1024: Math.round((runs[1].peakRssMB / runs[0].peakRssMB) * 100) / 100, deltaRatio4096to1024: Math.round((runs[1].upscaleDeltaMB / Math.max(1, runs[0].upscaleDeltaMB)) * 100) / 100 }
}

if (process.argv[2] === '--child') {
  child(Number(process.argv[3])).catch((e) => {
    console.error(e instanceof Error ? e.stack : String(e))
    process.exit(1)
  })
}
