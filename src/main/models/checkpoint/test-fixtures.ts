/** Test helpers: the committed tiny checkpoints and their templates (tools/fixtures/checkpoints). */
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const CKPT_FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'tools', 'fixtures', 'checkpoints')
export const TINY_TEMPLATES = join(CKPT_FIXTURES, 'templates')
