import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { validateGenerationParams } from '../../shared/params'
import { readImageMetadata } from '../formats/image-metadata'
import { keepImage, LibrarySink, openLibraryFor } from './keep'
import { Library } from './library'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'keep-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const png = () => sharp(Buffer.alloc(8 * 8 * 3, 90), { raw: { width: 8, height: 8, channels: 3 } }).png().toBuffer()

describe('LibrarySink (the service side)', () => {
  it('saves every cell of a gallery job as one group, with axis values from each cell’s parameters', async () => {
    const lib = Library.open(join(dir, 'lib'))
    const sink = new LibrarySink(lib)
    const g = sink.beginGroup('job-1', { kind: 'gallery', axes: [{ name: 'sampler', values: ['euler', 'heun'] }, { name: 'guidance.rescale', values: [0, 0.5] }] })
    let cell = 0
    const ids: string[] = []
    for (const sampler of ['euler', 'heun']) {
      for (const rescale of [0, 0.5]) {
        ids.push(await sink.save({ jobId: 'job-1', cell: cell++, png: await png(), params: validateGenerationParams({ sampler, guidance: { rescale }, model: 'sd15' }), modelHash: '0123456789' }))
      }
    }
    sink.endGroup('job-1')
    const single = await sink.save({ jobId: 'job-2', cell: 0, png: await png(), params: validateGenerationParams({}) })
    expect(lib.groupCells(g.id).cells.map((c) => c.values)).toEqual([
      { sampler: 'euler', 'guidance.rescale': 0 },
      { sampler: 'euler', 'guidance.rescale': 0.5 },
      { sampler: 'heun', 'guidance.rescale': 0 },
      { sampler: 'heun', 'guidance.rescale': 0.5 }
    ])
    expect(lib.get(single)?.group).toBeNull()
    expect(readImageMetadata((await sink.read(ids[0]))!).meta?.id).toBe(ids[0])
    expect(await sink.read('nope')).toBeUndefined()
    lib.close()
  })
})

describe('keepImage (the CLI side)', () => {
  it('saves to the library and writes the same bytes to --out', async () => {
    const { library, report } = await openLibraryFor({ library: join(dir, 'lib') })
    expect(report?.indexed).toEqual([])
    const out = join(dir, 'copy.png')
    const r = await keepImage(library, { png: await png(), params: { prompt: 'kept', model: 'sd15' }, modelHash: 'abcdef0123' }, out)
    expect(readFileSync(out).equals(readFileSync(r.entry!.file))).toBe(true)
    library!.close()
  })

  it('with --no-library writes only --out, still with both metadata chunks', async () => {
    const { library } = await openLibraryFor({ noLibrary: true, library: join(dir, 'never') })
    expect(library).toBeNull()
    const out = join(dir, 'only.png')
    const r = await keepImage(null, { png: await png(), params: { prompt: 'solo', model: 'sd15' } }, out)
    expect(r.entry).toBeNull()
    const md = readImageMetadata(readFileSync(out))
    expect(md.meta?.params.prompt).toBe('solo')
    expect(md.infotext).toMatch(/^solo\nSteps: 20/)
    expect(existsSync(join(dir, 'never'))).toBe(false)
    await expect(keepImage(null, { png: await png(), params: {} })).rejects.toThrow(/kept nowhere/)
  })
})

describe('model short hash', () => {
  it('is the first 10 hex of SHA-256 over unet/model.onnx (+ model.onnx_data), or of a single file', async () => {
    const { createHash } = await import('node:crypto')
    const { mkdirSync, writeFileSync } = await import('node:fs')
    const { modelShortHash } = await import('./model-hash')
    const m = join(dir, 'model')
    mkdirSync(join(m, 'unet'), { recursive: true })
    writeFileSync(join(m, 'unet', 'model.onnx'), 'graph')
    const sha = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 10)
    expect(await modelShortHash(m)).toBe(sha('graph'))
    writeFileSync(join(m, 'unet', 'model.onnx_data'), 'weights')
    expect(await modelShortHash(m)).toBe(sha('graphweights'))
    writeFileSync(join(dir, 'single.safetensors'), 'ckpt')
    expect(await modelShortHash(join(dir, 'single.safetensors'))).toBe(sha('ckpt'))
    await expect(modelShortHash(join(dir, 'nothing'))).rejects.toThrow(/cannot read the model/)
  })
})
