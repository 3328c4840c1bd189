import { spawnSync } from 'node:child_process'
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Library } from '../library/library'
import { readTextChunks } from '../png/chunks'
import { FIXTURES, cleanScratch, copyFixture, fixture, scratchDir } from '../models/test-fixtures'
import { main } from './studio'

afterAll(cleanScratch)

// Generations land in the library by default: keep the tests' library out of the user's data folder.
const LIBRARY = scratchDir()
process.env.SIGMA_STUDIO_LIBRARY = LIBRARY

function readPngText(png: Buffer): Record<string, string> {
  return Object.fromEntries(readTextChunks(png).map((t) => [t.keyword, t.text]))
}

async function studio(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = []
  const err: string[] = []
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) })
  return { code, out, err }
}

describe('studio generate: every fixture layout through the CLI', () => {
  for (const name of FIXTURES) {
    it(name, async () => {
      const dir = scratchDir()
      const out = join(dir, 'img.png')
      const r = await studio('generate', '--model', fixture(name), '--prompt', 'a (tiny:1.2) robot', '--negative', 'ugly', '--steps', '3', '--seed', '11', '--sampler', 'dpmpp_2m', '--schedule', 'karras', '--cfg', '4', '--out', out)
      expect(r.err).toEqual([])
      expect(r.code).toBe(0)
      expect(r.out[0]).toMatch(new RegExp(`^wrote ${out} and library [0-9a-f-]+ \\(64x64, seed 11\\)$`))
      expect(r.out[1]).toMatch(/^done: 1 image in \d+\.\d s \(/)
      const png = readFileSync(out)
      expect(png.subarray(1, 4).toString()).toBe('PNG')
      const params = readPngText(png).parameters
      expect(params).toMatch(new RegExp(`^a \\(tiny:1\\.2\\) robot\nNegative prompt: ugly\nSteps: 3, Sampler: DPM\\+\\+ 2M, Schedule type: Karras, CFG scale: 4, Seed: 11, Size: 64x64, Model hash: [0-9a-f]{10}, Model: ${name}`))
      expect(readdirSync(dir)).toEqual(['img.png']) // no temporary files left
      // The metadata names the model by folder name and hash, never by the path (it would reveal the
      // user's folders when the image is shared).
      const text = readTextChunks(png).map((t) => t.text).join('\n')
      expect(text).not.toContain(fixture(name))
      expect(JSON.parse(readPngText(png)['sigma-studio']).params).toMatchObject({ model: name })
    })
  }

  it('batch and img2img write one file per image, named by index', async () => {
    const dir = scratchDir()
    const first = join(dir, 'a.png')
    expect((await studio('generate', '--model', fixture('sd1-tiny'), '--prompt', 'x', '--steps', '2', '--out', first)).code).toBe(0)
    const r = await studio('generate', '--model', fixture('sd1-tiny'), '--prompt', 'x', '--steps', '4', '--init', first, '--strength', '0.5', '--batch', '2', '--seed', '3', '--out', join(dir, 'b.png'))
    expect(r.code).toBe(0)
    expect(r.out[0]).toMatch(new RegExp(`^wrote ${join(dir, 'b-1.png')} and library \\S+ \\(64x64, seed 3\\)$`))
    expect(r.out[1]).toMatch(new RegExp(`^wrote ${join(dir, 'b-2.png')} and library \\S+ \\(64x64, seed 4\\)$`))
    expect(readdirSync(dir).sort()).toEqual(['a.png', 'b-1.png', 'b-2.png'])
    expect(readPngText(readFileSync(join(dir, 'b-2.png'))).parameters).toMatch(/Seed: 4, .*Denoising strength: 0.5/)
  })

  it('keeps every image in the library with its exact parameters; --no-library writes only --out', async () => {
    const lib = scratchDir()
    const r = await studio('generate', '--model', fixture('sd1-tiny'), '--prompt', 'library apple', '--steps', '2', '--seed', '77', '--batch', '2', '--library', lib)
    expect(r.code).toBe(0)
    const library = Library.open(lib)
    try {
      const hits = library.search('apple').items
      expect(hits.map((e) => e.params.seed).sort()).toEqual(['77', '78'])
      expect(hits[0].params).toMatchObject({ prompt: 'library apple', steps: 2, batchSize: 1 })
    } finally {
      library.close()
    }
    const dir = scratchDir()
    const off = await studio('generate', '--model', fixture('sd1-tiny'), '--prompt', 'x', '--steps', '2', '--no-library', '--out', join(dir, 'only.png'))
    expect(off.code).toBe(0)
    expect(off.out[0]).toMatch(/^wrote \S+only\.png \(64x64/)
    expect(readdirSync(dir)).toEqual(['only.png'])
  })
})

describe('studio generate: clear one-line errors, nothing left on disk', () => {
  async function fails(args: string[], pattern: RegExp, code = 1): Promise<void> {
    const dir = scratchDir()
    const r = await studio('generate', '--prompt', 'x', '--steps', '2', '--out', join(dir, 'out.png'), ...args)
    expect(r.code).toBe(code)
    expect(r.err).toHaveLength(1)
    expect(r.err[0]).toMatch(pattern)
    expect(r.err[0]).not.toMatch(/\n\s+at /) // no stack trace
    expect(readdirSync(dir)).toEqual([])
  }

  it('missing folder', () => fails(['--model', '/no/such/model'], /error: \/no\/such\/model: no such folder; check the path/))

  it('missing component', async () => {
    const dir = copyFixture('sd1-tiny')
    rmSync(join(dir, 'vae_decoder'), { recursive: true })
    await fails(['--model', dir], new RegExp(`error: ${join(dir, 'vae_decoder', 'model.onnx')}: the vae_decoder model is missing; copy the complete model folder`))
  })

  it('img2img without a vae_encoder names the missing component', async () => {
    const dir = copyFixture('sd1-tiny')
    rmSync(join(dir, 'vae_encoder'), { recursive: true })
    await fails(['--model', dir, '--init', join(fixture('sd1-tiny'), 'model_index.json')], /vae_encoder.*img2img needs the VAE encoder/)
  })

  it('corrupt ONNX file', async () => {
    const dir = copyFixture('sdxl-tiny')
    writeFileSync(join(dir, 'text_encoder_2', 'model.onnx'), Buffer.alloc(3000, 0x5a))
    await fails(['--model', dir], /text_encoder_2\/model\.onnx: ONNX Runtime cannot load it .*; the file is damaged or not an ONNX model/)
  })

  it('unsupported layout', async () => {
    const dir = copyFixture('sd1-tiny')
    const index = join(dir, 'model_index.json')
    writeFileSync(index, JSON.stringify({ ...JSON.parse(readFileSync(index, 'utf8')), _class_name: 'StableDiffusionUpscalePipeline' }))
    await fails(['--model', dir], /pipeline StableDiffusionUpscalePipeline is not supported/)
    await fails(['--model', join(fixture('sd1-tiny'), 'unet')], /not a diffusers ONNX model folder/)
  })

  it('a job larger than the available memory is refused before the model loads, with the estimate, the limit and a size that fits', async () => {
    process.env.SIGMA_STUDIO_MEMORY_LIMIT = '4G'
    try {
      const r = await studio('generate', '--prompt', 'red apple', '--width', '1024', '--height', '1024', '--no-library', '--out', join(scratchDir(), 'x.png'))
      expect(r.code).not.toBe(0)
      expect(r.err.join('\n')).toMatch(/size: 1024×1024 needs about 26 GB \(self-attention over 16,384 tokens × 2 rows\), but only [\d.]+ [GM]B of memory is available( \(the limit SIGMA_STUDIO_MEMORY_LIMIT sets\))?; use at most \d+×\d+/)
      expect(r.out).toEqual([])
    } finally {
      delete process.env.SIGMA_STUDIO_MEMORY_LIMIT
    }
  })

  it('a side off the model\'s size step names the two nearest valid sides (embedded model: 16 px)', async () => {
    for (const w of ['65', '72']) {
      const r = await studio('generate', '--prompt', 'red apple', '--width', w, '--no-library', '--out', join(scratchDir(), 'x.png'))
      expect(r.err.join('\n')).toMatch(new RegExp(`width: ${w} is not a multiple of 16; use 64 or 80`))
    }
  })

  it('size not divisible by 8', () => fails(['--model', fixture('sd1-tiny'), '--width', '100'], /error: width: 100 is not a multiple of 8; use 96 or 104/))
  it('size too large for a dynamic model', () => fails(['--model', fixture('sdxl-tiny'), '--width', '4096', '--height', '4096'], /error: size: 4096x4096 is too large for this model/))
  it('size other than the one a fixed export takes', () => fails(['--model', fixture('sd2-v-tiny'), '--width', '128', '--height', '128'], /fixes the image size at 64x64; use width 64 and height 64/))
  it('unknown sampler', () => fails(['--model', fixture('sd1-tiny'), '--sampler', 'eulerr'], /error: sampler: unknown sampler "eulerr"; use one of euler, /))
  it('unknown schedule', () => fails(['--model', fixture('sd1-tiny'), '--schedule', 'karas'], /error: schedule: unknown schedule "karas"; use one of .*karras/))
  it('unknown device', () => fails(['--model', fixture('sd1-tiny'), '--device', 'npu'], /unknown device "npu"/))
  it('missing init image', () => fails(['--model', fixture('sd1-tiny'), '--init', '/no/such.png'], /init: \/no\/such\.png does not exist/))
  it('usage errors exit 2', () => fails(['--model', fixture('sd1-tiny'), '--steps', 'many'], /--steps must be a number/, 2))
  it('an output folder that does not exist', async () => {
    const r = await studio('generate', '--model', fixture('sd1-tiny'), '--prompt', 'x', '--out', '/no/such/dir/x.png')
    expect(r.code).toBe(1)
    expect(r.err[0]).toMatch(/the folder \/no\/such\/dir does not exist/)
  })
})

describe('studio models inspect and the real entry point', () => {
  it('prints the family, dtypes and names of every session', async () => {
    const r = await studio('models', 'inspect', fixture('sd1-fp16-tiny'))
    expect(r.code).toBe(0)
    const text = r.out.join('\n')
    expect(text).toMatch(/family\s+sd1/)
    expect(text).toMatch(/UNet\s+float16 I\/O, batch dynamic/)
    expect(text).toMatch(/timestep float16/)
    expect(text).toMatch(/input_ids int64/)
    expect(text).toMatch(/in {3}encoder_hidden_states: float16 \[batch, sequence, 16\]/)
    const json = await studio('models', 'inspect', fixture('sd2-v-tiny'), '--json')
    expect(JSON.parse(json.out.join('\n'))).toMatchObject({ family: 'sd2', prediction: 'v_prediction', unet: { batch: 'fixed at 1' } })
  })

  it('npm run -s studio: exit codes and one-line errors from a real process', () => {
    const root = resolve(__dirname, '..', '..', '..')
    const tsx = join(root, 'node_modules', '.bin', 'tsx')
    const bad = spawnSync(tsx, ['src/main/cli/studio.ts', 'generate', '--model', '/no/such/model', '--prompt', 'x'], { cwd: root, encoding: 'utf8' })
    expect(bad.status).toBe(1)
    expect(bad.stdout).toBe('')
    expect(bad.stderr.trim().split('\n')).toEqual(['studio generate: error: /no/such/model: no such folder; check the path, or pass the folder that holds model_index.json'])
    const none = spawnSync(tsx, ['src/main/cli/studio.ts', 'frobnicate'], { cwd: root, encoding: 'utf8' })
    expect(none.status).toBe(2)
  })
})

describe('studio sweep: axis errors', () => {
  it('names a sampler+schedule name once (it was quoted twice: "DPM++ 2M Karras" "DPM++ 2M Karras" also sets …)', async () => {
    const r = await studio('sweep', '--model', fixture('sd1-tiny'), '--prompt', 'x', '--steps', '2', '--x', 'sampler=euler,DPM++ 2M Karras', '--no-library')
    expect(r.code).toBe(1)
    expect(r.err).toEqual(['studio sweep: error: --x (Sampler): "DPM++ 2M Karras" also sets schedule karras; use the plain sampler dpmpp_2m'])
  })
})
