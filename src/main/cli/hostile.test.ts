/**
 * Hostile arguments to the CLI: everything that can be checked without the model is refused with a
 * message before the model (and ONNX Runtime's native code) loads — so the model path given here does
 * not even exist, and the message must be about the argument, not the model.
 */
import { availableParallelism } from 'node:os'
import { describe, expect, it } from 'vitest'
import { main } from './studio'

async function studio(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = []
  const err: string[] = []
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) })
  return { code, out, err }
}

const NO_MODEL = '/nonexistent/sigma-studio-model'

describe('studio generate refuses bad arguments before loading a model', () => {
  it('a prompt or negative prompt over the limit', async () => {
    for (const flag of ['--prompt', '--negative']) {
      const argv = ['generate', '--model', NO_MODEL, '--no-library', '--prompt', 'x', flag, 'a '.repeat(12_000)]
      const r = await studio(...argv)
      expect(r.code).not.toBe(0)
      expect(r.err.join('\n')).toMatch(new RegExp(`${flag} is 24000 characters long; the limit is 20000`))
    }
  })

  it('--threads beyond the machine’s cores (100000 used to hang)', async () => {
    const cores = availableParallelism()
    for (const n of ['100000', '0', String(cores + 1)]) {
      const r = await studio('generate', '--model', NO_MODEL, '--no-library', '--prompt', 'x', '--threads', n)
      expect(r.code).not.toBe(0)
      expect(r.err.join('\n')).toMatch(new RegExp(`--threads ${n} is not possible here; this machine has ${cores} cores?, so use 1 to ${cores}`))
    }
  })
})
