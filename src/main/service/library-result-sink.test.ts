/** A grid job through the service lands in the library as one group whose cells carry their axis values. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { LibrarySink } from '../library/keep'
import { Library } from '../library/library'
import { DEFAULT_PARAMS } from '../../shared/params'
import { gridAxes, LibraryResultSink } from './library-result-sink'
import { sharpPng } from './test-png'

const dirs: string[] = []
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

describe('LibraryResultSink', () => {
  it('names only the axes that vary', () => {
    expect(gridAxes({ samplers: ['euler', 'heun'], schedules: ['karras'], seeds: ['1', '2', '3'] })).toEqual([
      { name: 'sampler', values: ['euler', 'heun'] },
      { name: 'seed', values: ['1', '2', '3'] }
    ])
  })

  it('stores a gallery as one group and serves the images back by id', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'libsink-'))
    dirs.push(dir)
    const library = Library.open(dir)
    try {
      const sink = new LibraryResultSink(new LibrarySink(library), dir)
      sink.beginGrid('job1', { samplers: ['euler', 'heun'] })
      const png = await sharpPng()
      const ids: string[] = []
      for (const [cell, sampler] of ['euler', 'heun'].entries()) {
        ids.push(await sink.save({ jobId: 'job1', cell, png, width: 8, height: 8, params: { ...DEFAULT_PARAMS, model: 'no-such-model', prompt: 'grid apple', sampler }, timings: { wallMs: 1, modelMs: 1, modelCalls: 1, steps: 1 } as never }))
      }
      sink.endJob('job1')
      expect((await sink.read(ids[1]))?.subarray(1, 4).toString()).toBe('PNG')
      const entry = library.get(ids[0])!
      expect(entry.params.prompt).toBe('grid apple')
      const { group, cells } = library.groupCells(entry.group!.id)
      expect(group.kind).toBe('gallery')
      expect(cells.map((c) => c.values?.sampler)).toEqual(['euler', 'heun'])
    } finally {
      library.close()
    }
  })
})

describe('result bytes over the web host wire', () => {
  it('a Buffer read from the library survives encodeWire once viewed as a plain Uint8Array', async () => {
    const { encodeWire, decodeWire } = await import('../../shared/wire')
    const buf = Buffer.from([137, 80, 78, 71])
    // The trap the service avoids: JSON.stringify applies Buffer#toJSON before the replacer sees it.
    expect(decodeWire(encodeWire({ data: buf }))).not.toEqual({ data: new Uint8Array([137, 80, 78, 71]) })
    const view = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
    expect(decodeWire(encodeWire({ data: view }))).toEqual({ data: new Uint8Array([137, 80, 78, 71]) })
  })
})
