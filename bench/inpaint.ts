/**
 * `npm run -s bench -- inpaint`: what masked sampling costs per step next to a UNet call, on the embedded
 * model (models/emoji-tiny, or BENCH_MODEL_DIR) at its default size.
 *
 *   wrapperUs        the inpaint wrapper's own work per call (re-noise the kept region, force its
 *                    estimate), measured around a stand-in denoiser whose time is subtracted
 *   unetCallMs       one guided model call (cond + uncond UNet rows, CFG), median
 *   inpaintCallMs    the same call through the inpaint wrapper, median
 *   wrapperShare     wrapperUs / unetCallMs (the target: at most 1 %)
 */
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { inpaintDenoiser } from '../src/main/engine/guidance/inpaint'
import type { Denoiser } from '../src/main/engine/types'
import { loadModel } from '../src/main/models/model'
import { guidedDenoiser, latentLayout, resolveRequest } from '../src/main/models/pipeline'

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

export async function benchInpaint(): Promise<unknown> {
  const root = resolve('.')
  const dir = process.env.BENCH_MODEL_DIR ?? (existsSync(join(root, 'models/emoji-tiny')) ? join(root, 'models/emoji-tiny') : join(root, 'tools/fixtures/models/sd1-tiny'))
  const model = await loadModel(dir)
  const r = resolveRequest(model, { prompt: 'red apple' })
  const { rowLength } = latentLayout(model, r)
  const guided = await guidedDenoiser(model, r)
  const x = Float64Array.from({ length: rowLength }, (_, i) => Math.sin(i) * 3)
  const init = Float64Array.from({ length: rowLength }, (_, i) => Math.cos(i))
  const noise = Float64Array.from({ length: rowLength }, (_, i) => Math.sin(i * 1.7))
  const mask = Float64Array.from({ length: rowLength }, (_, i) => (i % 3 === 0 ? 1 : i % 3 === 1 ? 0 : 0.5))
  const masked = inpaintDenoiser(guided, { initLatent: init, mask, noise })

  const time = async (d: Denoiser, n: number): Promise<number> => {
    const ts: number[] = []
    for (let k = 0; k < n; k++) {
      const t = performance.now()
      await d(x, 2.5)
      ts.push(performance.now() - t)
    }
    return median(ts)
  }
  await time(guided, 3) // warm-up
  const unetCallMs = await time(guided, 25)
  const inpaintCallMs = await time(masked, 25)

  // The wrapper alone: a stand-in denoiser that returns a copy, its own time subtracted.
  let innerMs = 0
  const copy: Denoiser = async (v) => {
    const t = performance.now()
    const out = Float64Array.from(v)
    innerMs += performance.now() - t
    return out
  }
  const alone = inpaintDenoiser(copy, { initLatent: init, mask, noise })
  const per: number[] = []
  for (let k = 0; k < 2000; k++) {
    innerMs = 0
    const t = performance.now()
    await alone(x, 2.5)
    per.push(performance.now() - t - innerMs)
  }
  const wrapperUs = median(per) * 1000
  return {
    model: dir.replace(root + '/', ''),
    size: `${r.width}x${r.height}`,
    latentElements: rowLength,
    wrapperUs: Math.round(wrapperUs * 100) / 100,
    unetCallMs: Math.round(unetCallMs * 1000) / 1000,
    inpaintCallMs: Math.round(inpaintCallMs * 1000) / 1000,
    wrapperShare: Math.round((wrapperUs / 1000 / unetCallMs) * 1e5) / 1e5
  }
}
