/** The memory estimate: how it scales with size, batch and CFG, and the refusal's estimate, limit and fixes. */
import { describe, expect, it } from 'vitest'
import { estimateJobMemory, formatBytes, largestFittingSize, memoryProblem, type ModelMemoryInfo } from './memory-estimate'

/** The embedded model's layout (models/emoji-tiny configs). */
const EMOJI: ModelMemoryInfo = {
  vaeFactor: 4,
  sizeStep: 16,
  latentChannels: 4,
  unet: { channels: [64, 96, 128], heads: [4, 4, 4], attentionLevels: [1, 2] },
  vae: { channels: [96, 64, 32], attention: false },
  weightsBytes: 27_000_000
}

describe('job memory estimate', () => {
  it('is dominated by self-attention: tokens² × heads × rows × 4 bytes × 3 buffers at the finest attending level', () => {
    const e = estimateJobMemory(EMOJI, { width: 1024, height: 1024, images: 1, cfg: 7 })
    // Level 1 of a 256×256 latent: 128×128 = 16,384 tokens; 2 rows (cond + uncond), 4 heads.
    expect(e.attentionTokens).toBe(16_384)
    expect(e.rows).toBe(2)
    const attention = 2 * 4 * 16_384 ** 2 * 4 * 3
    expect(e.unetBytes).toBeGreaterThanOrEqual(attention)
    expect(e.unetBytes).toBeLessThan(attention * 1.05)
    expect(e.totalBytes).toBe(e.weightsBytes + Math.max(e.unetBytes, e.vaeBytes))
    // The OS killed a 1024×1024 run of the embedded model at 22.9 GB: the estimate must be above that.
    expect(e.totalBytes).toBeGreaterThan(22.9e9)
  })

  it('doubles with CFG and scales with the batch; weights already loaded are not counted', () => {
    const one = estimateJobMemory(EMOJI, { width: 512, height: 512, images: 1, cfg: 1 })
    const cfg = estimateJobMemory(EMOJI, { width: 512, height: 512, images: 1, cfg: 5 })
    const four = estimateJobMemory(EMOJI, { width: 512, height: 512, images: 4, cfg: 5 })
    expect(cfg.unetBytes).toBeCloseTo(2 * one.unetBytes, -3)
    expect(four.unetBytes).toBeCloseTo(4 * cfg.unetBytes, -3)
    expect(estimateJobMemory(EMOJI, { width: 512, height: 512, images: 1, cfg: 5 }, true).totalBytes).toBe(cfg.totalBytes - EMOJI.weightsBytes)
  })

  it('counts the VAE decoder’s mid-block attention where the VAE has one (SD VAEs)', () => {
    const withAttn: ModelMemoryInfo = { ...EMOJI, vae: { channels: [512, 512, 256, 128], attention: true }, vaeFactor: 8, sizeStep: 64 }
    const e = estimateJobMemory(withAttn, { width: 2048, height: 2048, images: 1, cfg: 1 })
    expect(e.vaeBytes).toBeGreaterThanOrEqual((256 * 256) ** 2 * 4 * 3)
  })

  it('refuses with the estimate, the limit and a size that fits', () => {
    const job = { width: 1024, height: 1024, images: 1, cfg: 7 }
    const msg = memoryProblem(EMOJI, job, 8e9)
    expect(msg).toMatch(/^1024×1024 needs about 26 GB \(self-attention over 16,384 tokens × 2 rows\), but only 8\.0 GB of memory is available: use at most (\d+)×\1/)
    const fit = largestFittingSize(EMOJI, job, 8e9)!
    expect(fit.width % EMOJI.sizeStep).toBe(0)
    expect(estimateJobMemory(EMOJI, { ...job, ...fit }).totalBytes).toBeLessThanOrEqual(8e9)
    expect(estimateJobMemory(EMOJI, { ...job, width: fit.width + 16, height: fit.height + 16 }).totalBytes).toBeGreaterThan(8e9)
    expect(memoryProblem(EMOJI, { width: 64, height: 64, images: 1, cfg: 7 }, 8e9)).toBeNull()
  })

  it('suggests a smaller batch or CFG 1 when those fit, and keeps the aspect ratio', () => {
    const batch = { width: 512, height: 512, images: 8, cfg: 7 }
    const limit = estimateJobMemory(EMOJI, { ...batch, images: 1 }).totalBytes + 1
    expect(memoryProblem(EMOJI, batch, limit)).toMatch(/make fewer images at once \(batch 1 fits\)/)
    const wide = largestFittingSize(EMOJI, { width: 1536, height: 768, images: 1, cfg: 7 }, 4e9)!
    expect(wide.width / wide.height).toBeCloseTo(2, 1)
    expect(memoryProblem(EMOJI, { width: 64, height: 64, images: 1, cfg: 7 }, 1e6)).toMatch(/free memory \(close other programs\) or use a smaller model/)
  })

  it('formats sizes as people read them', () => {
    expect(formatBytes(26.1e9)).toBe('26 GB')
    expect(formatBytes(1.71e9)).toBe('1.7 GB')
    expect(formatBytes(850e6)).toBe('850 MB')
  })
})
