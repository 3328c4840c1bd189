import { describe, expect, it } from 'vitest'
import { GenerationInputError, ModelFolderError, ModelRunError } from '../errors'
import { fixture } from '../test-fixtures'
import { decodeData, encodeData, fromHalfBits, toHalfBits } from './dtypes'
import { DEVICE_TO_EXECUTION_PROVIDERS, ModelSession, SessionCache, classifyRunError, deviceCandidates, parseDevice, validateFeeds } from './runtime'
import { join } from 'node:path'

describe('execution providers', () => {
  it('maps devices to providers in a frozen table and rejects unknown devices', () => {
    expect(Object.isFrozen(DEVICE_TO_EXECUTION_PROVIDERS)).toBe(true)
    expect(DEVICE_TO_EXECUTION_PROVIDERS.cpu).toEqual(['cpu'])
    expect(() => parseDevice('tpu')).toThrow(GenerationInputError)
    expect(() => parseDevice('tpu')).toThrow(/use one of auto, cpu, cuda, dml, coreml, webgpu/)
  })

  it('auto picks the best provider per platform and always ends with the CPU', () => {
    const env = (platform: NodeJS.Platform, cuda: boolean, webgpu = false) => ({ platform, cuda, webgpu })
    expect(deviceCandidates('auto', env('linux', false))).toEqual(['cpu'])
    expect(deviceCandidates('auto', env('linux', true))).toEqual(['cuda', 'cpu'])
    expect(deviceCandidates('auto', env('linux', false, true))).toEqual(['webgpu', 'cpu'])
    expect(deviceCandidates('auto', env('win32', true, true))).toEqual(['cuda', 'dml', 'webgpu', 'cpu'])
    expect(deviceCandidates('auto', env('win32', false))).toEqual(['dml', 'cpu'])
    expect(deviceCandidates('auto', env('darwin', false, true))).toEqual(['coreml', 'webgpu', 'cpu'])
    expect(deviceCandidates('webgpu', env('linux', false))).toEqual(['webgpu', 'cpu'])
    expect(deviceCandidates('cpu', env('win32', true))).toEqual(['cpu'])
  })

  it('falls back to the CPU when a provider cannot create the session, and says so in the log', async () => {
    const log: string[] = []
    // CUDA's provider libraries are not installed on the test machines (and on machines where they are,
    // the session simply runs on CUDA).
    const s = await ModelSession.open('vae_decoder', join(fixture('sd1-tiny'), 'vae_decoder', 'model.onnx'), { device: 'cuda', log: (l) => log.push(l) })
    if (s.device === 'cpu') expect(log.join('\n')).toMatch(/vae_decoder: could not create a session on cuda .*falling back to the CPU/)
    const out = await s.run({ latent_sample: { data: new Float32Array(4 * 8 * 8), dims: [1, 4, 8, 8] } })
    expect(out.sample.dims).toEqual([1, 3, 64, 64])
    await s.release()
  })

  it('a missing model file is a missing component', async () => {
    await expect(ModelSession.open('unet', '/nonexistent/unet/model.onnx')).rejects.toBeInstanceOf(ModelFolderError)
  })

  it('classifies out-of-memory and provider failures with a way out', () => {
    const oom = classifyRunError('unet', 'cuda', new Error('CUDA failure 2: out of memory ; GPU=0'))
    expect(oom).toBeInstanceOf(ModelRunError)
    expect(oom.code).toBe('out-of-memory')
    expect(oom.message).toMatch(/smaller batch or image size, or run on the CPU with --device cpu/)
    const dml = classifyRunError('unet', 'dml', new Error('DmlExecutionProvider: 887A0005 device removed'))
    expect(dml.code).toBe('provider-failed')
    expect(dml.hint).toMatch(/--device cpu/)
    expect(classifyRunError('unet', 'cpu', new Error('std::bad_alloc')).code).toBe('out-of-memory')
  })
})

describe('session cache', () => {
  it('reuses a model\'s sessions and releases them when another model is loaded', async () => {
    const cache = new SessionCache()
    const a = join(fixture('sd1-tiny'), 'vae_decoder', 'model.onnx')
    const b = join(fixture('sdxl-tiny'), 'vae_decoder', 'model.onnx')
    const s1 = await cache.get('A', 'vae_decoder', a)
    expect(await cache.get('A', 'vae_decoder', a)).toBe(s1)
    const s2 = await cache.get('B', 'vae_decoder', b)
    expect(s2).not.toBe(s1)
    await expect(s1.run({ latent_sample: { data: new Float32Array(256), dims: [1, 4, 8, 8] } })).rejects.toThrow(/released/)
    await cache.releaseAll()
  })
})

describe('feed checks', () => {
  const inputs = [
    { name: 'sample', type: 'float32', shape: [1, 4, 8, 8] },
    { name: 'timestep', type: 'int64', shape: ['steps'] }
  ]
  it('names missing and unknown inputs and wrong fixed axes', () => {
    expect(() => validateFeeds('unet', inputs, { sample: { data: new Float32Array(256), dims: [1, 4, 8, 8] } })).toThrow(/missing the following inputs: timestep/)
    expect(() =>
      validateFeeds('unet', inputs, { sample: { data: new Float32Array(256), dims: [1, 4, 8, 8] }, timestep: { data: [1], dims: [1] }, extra: { data: [1], dims: [1] } })
    ).toThrow(/no inputs named extra/)
    expect(() => validateFeeds('unet', inputs, { sample: { data: new Float32Array(512), dims: [2, 4, 8, 8] }, timestep: { data: [1], dims: [1] } })).toThrow(
      /axis 0 is 2, the model fixes it at 1/
    )
  })
})

describe('dtypes', () => {
  it('float16 round trip: exact for representable values, nearest-even otherwise, Inf and NaN kept', () => {
    for (const v of [0, 1, -2, 0.5, 65504, 6.103515625e-5, 5.960464477539063e-8, -0.333251953125]) expect(fromHalfBits(toHalfBits(v))).toBe(v)
    expect(toHalfBits(1 + 2 ** -11)).toBe(0x3c00) // tie -> even
    expect(toHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02)
    expect(fromHalfBits(toHalfBits(1e6))).toBe(Infinity)
    expect(Number.isNaN(fromHalfBits(toHalfBits(NaN)))).toBe(true)
    expect(fromHalfBits(0xfc00)).toBe(-Infinity)
  })
  it('encodes ids and timesteps as the declared integer types', () => {
    expect(encodeData('int64', [1.6, 2])).toEqual(new BigInt64Array([2n, 2n]))
    expect(encodeData('int32', [49407])).toEqual(new Int32Array([49407]))
    expect(decodeData('float16', new Uint16Array([0x3c00, 0xc000]))).toEqual(new Float32Array([1, -2]))
  })
})
