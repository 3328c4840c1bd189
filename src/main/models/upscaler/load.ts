/**
 * Opening an ONNX super-resolution model and finding out what it is: one image input, one image output
 * (NCHW, 3 channels, float32 or float16), the scale (from fixed shapes, else from a probe run on a small
 * tile), and whether the input size is fixed. Anything else is refused naming the inputs and outputs the
 * graph has, so a user who picked a UNet or a classifier sees why.
 */
import { existsSync, readdirSync, statSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { ModelFolderError } from '../errors'
import { isFixed, ModelSession, type RunnableSession, type SessionOptions, type TensorSpec } from '../onnx/runtime'

export interface ModelUpscaler {
  readonly kind: 'model'
  /** The folder name (or file name without .onnx). */
  readonly name: string
  readonly path: string
  /** Output pixels per input pixel along each side (integer). */
  readonly scale: number
  /** The input height/width the model requires, or undefined when they are dynamic. */
  readonly fixedSize?: { height: number; width: number }
  readonly dtype: 'float32' | 'float16'
  readonly session: RunnableSession
  /** Releases the ORT session (no-op for fakes). */
  release(): Promise<void>
}

const describe = (specs: readonly TensorSpec[]): string => specs.map((s) => `${s.name} ${s.type} [${s.shape.join(', ')}]`).join('; ') || 'none'

/** The .onnx file of an upscaler given as a file or a folder (model.onnx, or the folder's only .onnx). */
export function upscalerFile(path: string): string {
  if (!existsSync(path)) throw new ModelFolderError('missing-folder', path, 'no such upscaler file or folder', 'check the path, or pick an upscaler from the list')
  if (statSync(path).isFile()) {
    if (!path.toLowerCase().endsWith('.onnx')) throw new ModelFolderError('unsupported-layout', path, 'is not an .onnx file', 'upscalers are ONNX models (convert .pth/.safetensors upscalers to ONNX first)')
    return path
  }
  if (existsSync(join(path, 'model.onnx'))) return join(path, 'model.onnx')
  const onnx = readdirSync(path).filter((f) => f.toLowerCase().endsWith('.onnx'))
  if (onnx.length === 1) return join(path, onnx[0])
  throw new ModelFolderError(
    'missing-component',
    path,
    onnx.length === 0 ? 'the folder holds no .onnx file' : `the folder holds ${onnx.length} .onnx files (${onnx.join(', ')})`,
    'put exactly one upscaler in it, named model.onnx'
  )
}

export function upscalerName(path: string): string {
  const file = upscalerFile(path)
  return basename(file) === 'model.onnx' ? basename(dirname(file)) : basename(file).replace(/\.onnx$/i, '')
}

/** Checks a session's I/O is one NCHW image in and out; returns the input's fixed size if any. */
export function checkImageGraph(path: string, session: RunnableSession): { fixedSize?: { height: number; width: number }; dtype: 'float32' | 'float16' } {
  const refuse = (why: string): never => {
    throw new ModelFolderError(
      'unsupported-layout',
      path,
      `is not an image-to-image model (${why}; inputs: ${describe(session.inputs)}; outputs: ${describe(session.outputs)})`,
      'an upscaler takes one RGB image [1, 3, H, W] in [0, 1] and returns one [1, 3, sH, sW]'
    )
  }
  if (session.inputs.length !== 1 || session.outputs.length !== 1) refuse(`${session.inputs.length} inputs and ${session.outputs.length} outputs, not 1 and 1`)
  const [input] = session.inputs
  const [output] = session.outputs
  for (const s of [input, output]) {
    if (s.type !== 'float32' && s.type !== 'float16') refuse(`${s.name} is ${s.type}, not float32 or float16`)
    if (s.shape.length !== 4) refuse(`${s.name} has rank ${s.shape.length}, not 4 (NCHW)`)
    if (isFixed(s.shape[1]) && s.shape[1] !== 3) refuse(`${s.name} has ${s.shape[1]} channels, not 3`)
    if (isFixed(s.shape[0]) && s.shape[0] !== 1) refuse(`${s.name} has a fixed batch of ${s.shape[0]}, not 1`)
  }
  const [h, w] = [input.shape[2], input.shape[3]]
  if (isFixed(h) !== isFixed(w)) refuse(`${input.name} fixes one side only`)
  return { fixedSize: isFixed(h) && isFixed(w) ? { height: h, width: w } : undefined, dtype: input.type as 'float32' | 'float16' }
}

/** Output size over input size, from declared shapes when both are fixed, else by running a small probe. */
export async function detectScale(path: string, session: RunnableSession, fixedSize?: { height: number; width: number }): Promise<number> {
  const out = session.outputs[0].shape
  if (fixedSize && isFixed(out[2]) && isFixed(out[3])) return checkScale(path, out[2] / fixedSize.height, out[3] / fixedSize.width)
  // 32 px: a multiple of the window sizes transformer upscalers need (8), and cheap for any model.
  const [ph, pw] = fixedSize ? [fixedSize.height, fixedSize.width] : [32, 32]
  const probe = new Float32Array(3 * ph * pw).fill(0.5)
  const res = (await session.run({ [session.inputs[0].name]: { data: probe, dims: [1, 3, ph, pw] } }))[session.outputs[0].name]
  if (!res || res.dims.length !== 4 || res.dims[1] !== 3) {
    throw new ModelFolderError('unsupported-layout', path, `a ${ph}×${pw} probe returned [${res?.dims.join(', ')}], not [1, 3, H, W]`, 'an upscaler must return one RGB image')
  }
  return checkScale(path, res.dims[2] / ph, res.dims[3] / pw)
}

function checkScale(path: string, sy: number, sx: number): number {
  if (sy !== sx || !Number.isInteger(sy) || sy < 1 || sy > 16) {
    throw new ModelFolderError('unsupported-layout', path, `its output is ${sy}× the input height and ${sx}× the width`, 'an upscaler scales both sides by the same whole factor (1 to 16)')
  }
  return sy
}

/** Builds a ModelUpscaler around an open session (tests pass fakes). */
export async function upscalerFromSession(path: string, name: string, session: RunnableSession, release: () => Promise<void> = async () => undefined): Promise<ModelUpscaler> {
  const { fixedSize, dtype } = checkImageGraph(path, session)
  const scale = await detectScale(path, session, fixedSize)
  return { kind: 'model', name, path, scale, fixedSize, dtype, session, release }
}

/** Opens an upscaler from a .onnx file or a folder holding one. */
export async function loadUpscaler(path: string, options: SessionOptions = {}): Promise<ModelUpscaler> {
  const file = upscalerFile(path)
  const session = await ModelSession.open('upscaler', file, options)
  try {
    return await upscalerFromSession(file, upscalerName(path), session, () => session.release())
  } catch (e) {
    await session.release()
    throw e
  }
}
