/**
 * The farm over TLS: a real redis-server with only a TLS port (a throw-away CA and a certificate for
 * 127.0.0.1 made with openssl) and a password; a node and the studio's dispatcher connect with
 * rediss:// and the CA named by $SIGMA_FARM_CA, and cells run and land. Without that CA the server's
 * certificate is not trusted and nothing connects.
 */
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ErrorEvent, ResultEvent } from '../../shared/api'
import { VALIDATORS } from '../../shared/api-validators'
import { GenerationService } from '../service/service'
import { sourceWorkerFactory } from '../worker/spawn'
import { connectFarm, FARM_CA_ENV, farmTls } from './connection'
import { FarmDispatcher } from './dispatcher'
import { RenderNode } from './node'
import { redisAvailable, startRedis, type TestRedis } from './test-support/redis-server'

const FIXTURES = resolve(__dirname, '../../../tools/fixtures/models')

let redis: TestRedis
let models: string
const saved = process.env[FARM_CA_ENV]

beforeAll(async () => {
  if (!redisAvailable()) return
  redis = await startRedis({ tls: true, password: 'tls secret' })
  models = mkdtempSync(join(tmpdir(), 'sigma-farm-tls-models-'))
  symlinkSync(join(FIXTURES, 'sd1-tiny'), join(models, 'sd1-tiny'))
})
afterAll(async () => {
  if (saved === undefined) delete process.env[FARM_CA_ENV]
  else process.env[FARM_CA_ENV] = saved
  await redis?.stop()
  if (models) rmSync(models, { recursive: true, force: true })
})

describe.skipIf(!redisAvailable())('farm over TLS (rediss://)', () => {
  it('runs cells through a node and lands them, trusting the CA named by $SIGMA_FARM_CA', async () => {
    expect(redis.url).toMatch(/^rediss:\/\/:tls%20secret@127\.0\.0\.1:\d+$/)
    process.env[FARM_CA_ENV] = redis.caFile
    const node = await RenderNode.start({ url: redis.url, modelsDir: models, lockMs: 1500, stalledMs: 700 })
    const farm = new FarmDispatcher({ url: redis.url, modelsDir: models, pollMs: 300, cancelWaitMs: 5000 })
    const s = new GenerationService({ workerFactory: sourceWorkerFactory, runner: 'onnx', modelsDir: models, defaultModel: 'sd1-tiny', dispatcher: farm })
    try {
      const results: ResultEvent[] = []
      const errors: ErrorEvent[] = []
      s.on('studio:result', (r) => results.push(r))
      s.on('studio:error', (e) => errors.push(e))
      const req = VALIDATORS['studio:generate']({ params: { prompt: 'a blue square', width: 64, height: 64, steps: 3 }, preview: { mode: 'off' }, grid: { axes: [{ param: 'seed', values: ['1', '2'] }] } })
      const { jobId } = s.generate(req)
      const state = await new Promise((ok) => s.onJobFinished((info) => info.jobId === jobId && ok(info.state)))
      expect(errors).toEqual([])
      expect(state).toBe('completed')
      expect(results.map((r) => r.params.seed).sort()).toEqual(['1', '2'])
      const png = await s.sink.read(results[0].resultId)
      expect(Buffer.from(png!).subarray(1, 4).toString()).toBe('PNG')
    } finally {
      await s.close()
      await farm.close()
      await node.close(true)
    }
  }, 120_000)

  it('does not trust the server without the CA', async () => {
    delete process.env[FARM_CA_ENV]
    const r = connectFarm(redis.url)
    const failures: string[] = []
    r.on('error', (e) => failures.push(e.message))
    try {
      await expect.poll(() => failures.length, { timeout: 20_000 }).toBeGreaterThan(0)
      expect(failures[0]).toMatch(/self[- ]signed certificate|unable to (get|verify)/i)
      expect(r.status).not.toBe('ready')
    } finally {
      r.disconnect()
    }
  })

  it('says what is wrong with $SIGMA_FARM_CA', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sigma-farm-ca-'))
    try {
      expect(() => farmTls({ [FARM_CA_ENV]: join(dir, 'missing.pem') })).toThrow(/SIGMA_FARM_CA names .*missing\.pem, which cannot be read \(ENOENT\)/)
      writeFileSync(join(dir, 'bad.pem'), 'not a certificate')
      expect(() => farmTls({ [FARM_CA_ENV]: join(dir, 'bad.pem') })).toThrow(/holds no PEM certificate/)
      expect(farmTls({})).toEqual({})
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
