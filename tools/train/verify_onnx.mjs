// Runs the exported ONNX graphs with onnxruntime-node and compares them with the torch outputs
// that export_onnx.py wrote to work/verify/. Usage: node verify_onnx.mjs [modelDir]
import { createRequire } from 'node:module'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const ort = require('onnxruntime-node')
const here = path.dirname(fileURLToPath(import.meta.url))
const modelDir = path.resolve(process.argv[2] ?? path.join(here, '../../models/emoji-tiny'))
const vdir = process.env.EMOJI_TINY_WORK ? path.join(process.env.EMOJI_TINY_WORK, "verify") : path.join(here, "work/verify")

const typed = { float32: Float32Array, int32: Int32Array, int64: BigInt64Array }
function load(spec) {
  const buf = fs.readFileSync(path.join(vdir, spec.file))
  const T = typed[spec.dtype]
  const arr = new T(buf.buffer, buf.byteOffset, buf.byteLength / T.BYTES_PER_ELEMENT)
  return new ort.Tensor(spec.dtype, T.from(arr), spec.shape)
}

let failed = false
for (const [graph, fixture] of [['text_encoder', 'text_encoder'], ['unet', 'unet'], ['unet', 'unet_dyn'],
  ['vae_decoder', 'vae_decoder'], ['vae_encoder', 'vae_encoder']]) {
  const idx = JSON.parse(fs.readFileSync(path.join(vdir, `${fixture}.json`), 'utf8'))
  const sess = await ort.InferenceSession.create(path.join(modelDir, graph, 'model.onnx'))
  const feeds = {}
  for (const [k, spec] of Object.entries(idx.inputs)) feeds[k] = load(spec)
  const t0 = performance.now()
  const out = await sess.run(feeds)
  const ms = performance.now() - t0
  const io = sess.inputNames.map((n) => `${n}:${feeds[n].type}[${feeds[n].dims}]`).join(' ')
  for (const [k, spec] of Object.entries(idx.outputs)) {
    const ref = load(spec).data
    const got = out[k]
    let maxErr = 0, maxRef = 0
    for (let i = 0; i < ref.length; i++) {
      maxErr = Math.max(maxErr, Math.abs(ref[i] - got.data[i]))
      maxRef = Math.max(maxRef, Math.abs(ref[i]))
    }
    const ok = got.dims.join(',') === spec.shape.join(',') && maxErr <= 1e-3 * Math.max(1, maxRef)
    if (!ok) failed = true
    console.log(`${ok ? 'OK  ' : 'FAIL'} ${fixture}: ${io} -> ${k}:${got.type}[${got.dims}] max|diff| ${maxErr.toExponential(2)} (max|ref| ${maxRef.toFixed(3)}) ${ms.toFixed(1)} ms`)
  }
}
process.exit(failed ? 1 : 0)
