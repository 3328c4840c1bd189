/**
 * Child process for the kill test (kill.test.ts): saves images into a library as fast as it can, and
 * now and then deletes an earlier one, printing "saved ID" / "deleted ID" only after each call returned ("deleting ID" before a delete
 * starts: a delete the kill interrupts may end either way).
 * The parent kills it with SIGKILL at a random moment.
 *
 * usage: tsx burst-child.ts LIBRARY_DIR SEED
 */
import { Library } from '../library'
import { mulberry32 } from './mulberry32'

const [dir, seedText] = process.argv.slice(2)
const rand = mulberry32(Number(seedText))
const lib = Library.open(dir)
const group = lib.createGroup({ kind: 'sweep', axes: [{ name: 'cfg', values: [3, 5, 7, 9] }] })
const saved: string[] = []
process.stdout.write('ready\n')
for (let i = 0; ; i++) {
  const side = 64 + 8 * Math.floor(rand() * 8)
  const data = new Uint8Array(side * side * 3)
  for (let j = 0; j < data.length; j++) data[j] = (rand() * 256) | 0
  const cfg = [3, 5, 7, 9][i % 4]
  const e = await lib.save({
    pixels: { data, width: side, height: side, channels: 3 },
    params: { prompt: `burst ${seedText} image ${i}, a fox`, negativePrompt: 'blur', sampler: 'euler', seed: String(i), cfg, model: 'test-model', width: side, height: side },
    modelHash: '0123456789',
    group: i % 3 === 0 ? { id: group.id, cell: { index: i % 4, values: { cfg } } } : undefined,
    tags: i % 5 === 0 ? ['five'] : []
  })
  saved.push(e.id)
  process.stdout.write(`saved ${e.id}\n`)
  if (i % 6 === 5) {
    const victim = saved.splice(Math.floor(rand() * saved.length), 1)[0]
    process.stdout.write(`deleting ${victim}\n`)
    lib.delete(victim)
    process.stdout.write(`deleted ${victim}\n`)
  }
}
