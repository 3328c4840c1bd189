import { loadModel, defaultSessionCache } from '../src/main/models/model'
import { generate } from '../src/main/models/pipeline'
const m = await loadModel('tools/fixtures/models/sd1-tiny', { cache: defaultSessionCache })
let onnx = 0
const u = m.sessions.unet
const wrapped = { ...m, sessions: { ...m.sessions, unet: { ...u, inputs: u.inputs, outputs: u.outputs, component: u.component, run: async (f: any, n: any) => { const t = performance.now(); const r = await u.run(f, n); onnx += performance.now() - t; return r } } } }
for (let k = 0; k < 3; k++) {
  onnx = 0
  const t0 = performance.now()
  await generate(wrapped as any, { prompt: 'x', steps: 20, cfg: 5, width: 512, height: 512, sampler: 'euler', schedule: 'karras' })
  console.log('wall', (performance.now() - t0).toFixed(1), 'unet', onnx.toFixed(1))
}
