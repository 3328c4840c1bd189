/**
 * What a node accepts from Redis and what the studio shows of a farm URL: the IPC validator refuses bad
 * requests, the model is named by hash only, and passwords never reach logs or the settings view.
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_PARAMS } from '../../shared/params'
import { checkFarmUrl, FarmUrlError, redactUrl } from './connection'
import { parseFailure, PAYLOAD_VERSION, pngSize, validateCellPayload, validateOutcome } from './payload'

const good = () => ({
  v: PAYLOAD_VERSION,
  gridJobId: 'jabc',
  cell: 1,
  cells: 4,
  modelHash: '0123456789',
  request: { params: { ...DEFAULT_PARAMS, model: 'sd1-tiny', prompt: 'x', width: 64, height: 64 }, preview: { mode: 'off', every: 1 }, grid: null }
})

describe('cell payloads', () => {
  it('accepts a cell and returns its request as the IPC validator shapes it', () => {
    const c = validateCellPayload(good())
    expect(c.request.params.width).toBe(64)
    expect(c.cell).toBe(1)
    expect(c.reference).toBe(false)
  })

  it.each([
    ['an unknown field', (p: ReturnType<typeof good>) => Object.assign(p, { path: '/etc/passwd' }), /path: is not accepted/],
    ['another payload version', (p: ReturnType<typeof good>) => Object.assign(p, { v: 99 }), /run the same studio version/],
    ['a cell outside the grid', (p: ReturnType<typeof good>) => Object.assign(p, { cell: 4 }), /cell: must be a whole number 0…3/],
    ['a model hash that is a path', (p: ReturnType<typeof good>) => Object.assign(p, { modelHash: '../../etc' }), /modelHash: must be a 10-digit hex/],
    ['a grid inside a cell', (p: ReturnType<typeof good>) => Object.assign(p.request, { grid: { seeds: ['1'] } }), /request.grid: must be null/],
    ['a bad parameter (the IPC validator)', (p: ReturnType<typeof good>) => Object.assign(p.request.params, { width: 100000 }), /params.width/],
    ['a batch', (p: ReturnType<typeof good>) => Object.assign(p.request.params, { batchSize: 2 }), /batchSize: must be 1/],
    ['an init image that is not text', (p: ReturnType<typeof good>) => Object.assign(p.request, { initImage: [1, 2] }), /request.initImage: must be base64/],
    ['an init image that is not an image', (p: ReturnType<typeof good>) => Object.assign(p.request, { initImage: Buffer.from('not an image').toString('base64') }), /initImage|img2img/]
  ])('refuses %s, naming the field', (_, mutate, message) => {
    const p = good()
    mutate(p)
    expect(() => validateCellPayload(p)).toThrow(message)
  })

  it('checks what a node returns, and reads failure reasons', () => {
    expect(() => validateOutcome({ status: 'done', node: 'n' })).toThrow(/without its size or timings/)
    expect(() => validateOutcome({ status: 'weird', node: 'n' })).toThrow(/status "weird"/)
    expect(validateOutcome({ status: 'cancelled', node: 'n' })).toEqual({ status: 'cancelled', node: 'n' })
    expect(parseFailure(JSON.stringify({ code: 'model-error', message: 'boom' }))).toEqual({ code: 'model-error', message: 'boom' })
    expect(parseFailure('job stalled more than allowable limit')).toEqual({ code: 'model-error', message: 'job stalled more than allowable limit' })
    expect(pngSize(new Uint8Array(40))).toBeNull()
  })
})

describe('farm URLs', () => {
  it('accepts redis:// and rediss:// with or without a user and password', () => {
    for (const u of ['redis://host:6379', 'redis://:pw@host:6379/2', 'rediss://user:pw@host:6380']) expect(checkFarmUrl(u).hostname).toBe('host')
  })

  it('refuses other schemes and non-URLs, without echoing the password', () => {
    expect(() => checkFarmUrl('http://:secret@host')).toThrow(FarmUrlError)
    expect(() => checkFarmUrl('http://:secret@host')).toThrow(/must start with redis:\/\/ or rediss:\/\//)
    expect(() => checkFarmUrl('http://:secret@host')).not.toThrow(/secret/)
    expect(() => checkFarmUrl('host:6379')).toThrow(/must start with redis:\/\//)
    expect(() => checkFarmUrl('not a url')).toThrow(/is not a URL; write redis:\/\/host:6379/)
  })

  it('redacts passwords for display', () => {
    expect(redactUrl('redis://:s3cret@h:6379/0')).toBe('redis://:***@h:6379/0')
    expect(redactUrl('rediss://alice:s3cret@h:6380')).toBe('rediss://alice:***@h:6380')
    expect(redactUrl('redis://h:6379')).toBe('redis://h:6379')
  })
})
