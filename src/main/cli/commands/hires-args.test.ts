import { describe, expect, it } from 'vitest'
import { DEFAULT_HIRES } from '../../../shared/hires'
import { hiresFromFlags } from './hires-args'

describe('studio generate --hires-* flags', () => {
  it('are off without --hires-scale or --hires-size, and fill A1111\'s defaults', () => {
    expect(hiresFromFlags({})).toBeNull()
    expect(hiresFromFlags({ 'hires-scale': 2 })).toEqual({ ...DEFAULT_HIRES, scale: 2 })
    expect(hiresFromFlags({ 'hires-size': '1024x0', 'hires-steps': 10, 'hires-denoise': 0.5, 'hires-upscaler': 'latent (bicubic)', 'hires-sampler': 'DPM++ 2M', 'hires-schedule': 'karras', 'hires-cfg': 5, 'hires-prompt': 'p', 'hires-negative': 'n' })).toEqual({
      ...DEFAULT_HIRES, resizeWidth: 1024, resizeHeight: 0, steps: 10, denoise: 0.5, upscaler: 'Latent (bicubic)', sampler: 'dpmpp_2m', schedule: 'karras', cfg: 5, prompt: 'p', negativePrompt: 'n'
    })
  })

  it('name the flag that is wrong', () => {
    expect(() => hiresFromFlags({ 'hires-denoise': 0.5 })).toThrow(/--hires-denoise needs --hires-scale X or --hires-size WxH/)
    expect(() => hiresFromFlags({ 'hires-scale': 2, 'hires-size': '512x512' })).toThrow(/contradict/)
    expect(() => hiresFromFlags({ 'hires-size': 'big' })).toThrow(/--hires-size "big" is not WIDTHxHEIGHT/)
    expect(() => hiresFromFlags({ 'hires-scale': 2, 'hires-denoise': 0 })).toThrow(/--hires-denoise: must be above 0/)
    expect(() => hiresFromFlags({ 'hires-scale': 2, 'hires-sampler': 'nope' })).toThrow(/--hires-sampler: unknown sampler/)
    expect(() => hiresFromFlags({ 'hires-scale': 2, init: 'a.png' })).toThrow(/drop --init/)
  })
})
