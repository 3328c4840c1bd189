// End-to-end check of the exported model with onnxruntime-node: "red apple", seed-0 noise from torch,
// DDIM (eta 0) 20 steps, CFG 5, decode; compares with torch and reports the wall time.
// Writes work/verify/e2e_node.ppm. Usage: node e2e_onnx.mjs [modelDir]
import { createRequire } from 'node:module'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const ort = require('onnxruntime-node')
const here = path.dirname(fileURLToPath(import.meta.url))
const modelDir = path.resolve(process.argv[2] ?? path.join(here, '../../models/emoji-tiny'))
const vdir = process.env.EMOJI_TINY_WORK ? path.join(process.env.EMOJI_TINY_WORK, 'verify') : path.join(here, 'work/verify')
const idx = JSON.parse(fs.readFileSync(path.join(vdir, 'e2e.json'), 'utf8'))
const P = JSON.parse(fs.readFileSync(path.join(vdir, 'e2e_params.json'), 'utf8'))
const read = (spec) => {
  const b = fs.readFileSync(path.join(vdir, spec.file))
  const T = spec.dtype === 'int32' ? Int32Array : Float32Array
  return T.from(new T(b.buffer, b.byteOffset, b.byteLength / 4))
}
const sess = {}
for (const g of ['text_encoder', 'unet', 'vae_decoder']) {
  sess[g] = await ort.InferenceSession.create(path.join(modelDir, g, 'model.onnx'), { intraOpNumThreads: 2 })
}
const t0 = performance.now()
const ids = read(idx.inputs.input_ids)
const te = await sess.text_encoder.run({ input_ids: new ort.Tensor('int32', ids, [2, 77]) })
const ctx = te.last_hidden_state
// scaled_linear betas, cumulative alphas
const acp = []
let prod = 1
for (let i = 0; i < P.T; i++) {
  const s = Math.sqrt(P.beta_start) + (Math.sqrt(P.beta_end) - Math.sqrt(P.beta_start)) * i / (P.T - 1)
  prod *= 1 - s * s
  acp.push(Math.fround(prod))
}
const ts = Array.from({ length: P.steps }, (_, i) => Math.round((P.T - 1) * (1 - i / (P.steps - 1))))
let x = read(idx.inputs.noise)
const n = x.length
for (let i = 0; i < ts.length; i++) {
  const t = ts[i]
  const xx = new Float32Array(2 * n); xx.set(x); xx.set(x, n)
  const out = await sess.unet.run({
    sample: new ort.Tensor('float32', xx, [2, 4, 16, 16]),
    timestep: new ort.Tensor('float32', Float32Array.from([t, t]), [2]),
    encoder_hidden_states: ctx,
  })
  const e = out.out_sample.data
  const a = acp[t], ap = i + 1 < ts.length ? acp[ts[i + 1]] : 1
  const nx = new Float32Array(n)
  for (let k = 0; k < n; k++) {
    const eps = e[k] + P.cfg * (e[n + k] - e[k])
    const x0 = (x[k] - Math.sqrt(1 - a) * eps) / Math.sqrt(a)
    nx[k] = Math.sqrt(ap) * x0 + Math.sqrt(1 - ap) * eps
  }
  x = nx
}
const z = x.map((v) => v / P.scaling_factor)
const dec = await sess.vae_decoder.run({ latent_sample: new ort.Tensor('float32', z, [1, 4, 16, 16]) })
const ms = performance.now() - t0
const img = dec.sample.data
const ref = read(idx.outputs.image)
let maxErr = 0
for (let k = 0; k < ref.length; k++) maxErr = Math.max(maxErr, Math.abs(ref[k] - img[k]))
const H = 64, W = 64
const ppm = Buffer.alloc(15 + H * W * 3)
const head = `P6\n${W} ${H}\n255\n`
ppm.write(head)
for (let y = 0; y < H; y++) for (let xx = 0; xx < W; xx++) for (let c = 0; c < 3; c++) {
  const v = img[c * H * W + y * W + xx]
  ppm[head.length + (y * W + xx) * 3 + c] = Math.max(0, Math.min(255, Math.round((v + 1) * 127.5)))
}
fs.writeFileSync(path.join(vdir, 'e2e_node.ppm'), ppm.subarray(0, head.length + H * W * 3))
console.log(`e2e "red apple" DDIM ${P.steps} steps CFG ${P.cfg}: ${ms.toFixed(0)} ms (text encoder + ${P.steps} UNet calls at batch 2 + decoder); max|node - torch| on the image ${maxErr.toExponential(2)}`)
process.exit(maxErr < 2e-2 ? 0 : 1)
