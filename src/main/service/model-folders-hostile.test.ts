/**
 * Model folders a user (or a hostile page) can get wrong: a dangling symlink in the models folder, a
 * truncated vocab.json, an empty or cut merges.txt, and model "names" that are really paths.
 */
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ClipTokenizer } from '../models/prompt/clip-tokenizer'
import { cleanScratch, fixture, scratchDir } from '../models/test-fixtures'
import { checkModelName } from './model-names'
import { listModelFolders, pickDefaultModel } from './models-dir'
import { promptHandlers, PromptTokenCounter } from './prompt-handlers'
import { GenerationService } from './service'
import { sourceWorkerFactory } from '../worker/spawn'

afterAll(() => cleanScratch())

describe('model folders with broken entries', () => {
  it('a dangling symlink in the models folder is skipped, and the rest still list', () => {
    const dir = scratchDir('models-dangling-')
    cpSync(fixture('sd1-tiny'), join(dir, 'sd1-tiny'), { recursive: true })
    symlinkSync(join(dir, 'gone-away'), join(dir, 'a-dangling-link'))
    expect(listModelFolders(dir).map((m) => m.name)).toEqual(['sd1-tiny'])
    expect(pickDefaultModel(dir)).toBe('sd1-tiny')
  })

  it('a truncated vocab.json is named, and its content is not quoted', () => {
    const dir = scratchDir('tok-truncated-')
    const vocab = readFileSync(join(fixture('sd1-tiny'), 'tokenizer', 'vocab.json'), 'utf8')
    writeFileSync(join(dir, 'vocab.json'), vocab.slice(0, vocab.length / 2))
    cpSync(join(fixture('sd1-tiny'), 'tokenizer', 'merges.txt'), join(dir, 'merges.txt'))
    let message = ''
    try {
      ClipTokenizer.fromFolder(dir)
    } catch (e) {
      message = (e as Error).message
    }
    expect(message).toMatch(new RegExp(`^${join(dir, 'vocab.json')} is not valid JSON at character \\d+ of \\d+; it is probably truncated or damaged`))
    expect(message).not.toContain(vocab.slice(0, 20))
  })

  it('an empty or truncated merges.txt is refused, naming it', () => {
    for (const [what, text] of [
      ['empty', ''],
      ['header only', '#version: 0.2\n'],
      ['cut', readFileSync(join(fixture('sd1-tiny'), 'tokenizer', 'merges.txt'), 'utf8').split('\n').slice(0, 300).join('\n')]
    ]) {
      const dir = scratchDir('tok-merges-')
      cpSync(join(fixture('sd1-tiny'), 'tokenizer', 'vocab.json'), join(dir, 'vocab.json'))
      writeFileSync(join(dir, 'merges.txt'), text)
      expect(() => ClipTokenizer.fromFolder(dir), what).toThrow(new RegExp(`${join(dir, 'merges.txt')} holds \\d+ merges, but .*vocab.json \\(1514 entries\\) needs 1000; it is empty or truncated`))
    }
  })
})

describe('models are chosen by folder name, never by path', () => {
  const modelsDir = '/srv/models'
  it('refuses absolute paths, "..", separators; allows names and the start-up default', () => {
    for (const bad of ['/etc', '../secret', 'a/../../b', '..', '.', 'x\\y', 'a\u0000b']) {
      expect(() => checkModelName(bad, 'params.model', modelsDir), bad).toThrow(/is not a model name; models are chosen by the name of their folder in \/srv\/models/)
    }
    expect(() => checkModelName('emoji-tiny', 'params.model', modelsDir)).not.toThrow()
    expect(() => checkModelName('/home/me/my-model', 'params.model', modelsDir, '/home/me/my-model')).not.toThrow()
  })

  it('the generate, calibrate and token-count calls refuse a path', async () => {
    const service = new GenerationService({ workerFactory: sourceWorkerFactory, runner: 'fake', modelsDir: '/nonexistent', defaultModel: 'fake' })
    try {
      expect(() => service.generate({ params: { ...service.handlers && {}, model: '/etc/passwd' } as never, preview: { mode: 'off', every: 1 }, grid: null })).toThrow(/params.model: "\/etc\/passwd" is not a model name/)
    } finally {
      await service.close()
    }
    const dir = scratchDir('tok-paths-')
    mkdirSync(join(dir, 'm'))
    const h = promptHandlers(new PromptTokenCounter({ modelsDir: dir }))
    await expect(h['studio:prompt:tokens']({ model: '/etc/passwd', text: 'x' })).rejects.toMatchObject({ field: 'model', message: expect.stringMatching(/is not a model name/) })
    await expect(h['studio:prompt:tokens']({ model: '../../etc', text: 'x' })).rejects.toMatchObject({ field: 'model' })
  })
})
