/**
 * The models layer: Stable-Diffusion-family ONNX model folders turned into images.
 *
 *   folder.ts       model_index.json + configs -> family (sd1/sd2/sdxl), variant (base/turbo/lcm), defaults
 *   model.ts        loadModel(): sessions opened, their declared I/O read and checked (dtypes, fixed axes)
 *   onnx/runtime.ts the only importer of onnxruntime-node: devices -> providers, CPU fallback, feed checks
 *   onnx/denoiser.ts the denoiser adapter: every model quirk between the engine and the UNet
 *   text.ts         prompt -> conditioning (tokenizer and attention syntax from prompt/)
 *   vae.ts          latents <-> RGB
 *   pipeline.ts     generate(): txt2img / img2img with any sampler x schedule x guidance modifiers
 *   png.ts          init-image reading for img2img
 */
export { GenerationInputError, ModelFolderError, ModelRunError, isUserFacingError } from './errors'
export type { Family, ModelDefaults, ModelFolder, UnetShape, Variant } from './folder'
export { readModelFolder } from './folder'
export type { LoadOptions, LoadedModel, ModelSessions, TextEncoderIo, UnetIo, VaeIo } from './model'
export { defaultSessionCache, loadModel } from './model'
export type { ConcreteDevice, Device, HostTensor, RunnableSession, SessionOptions, TensorSpec } from './onnx/runtime'
export { DEVICES, DEVICE_TO_EXECUTION_PROVIDERS, ModelSession, SessionCache, deviceCandidates, parseDevice } from './onnx/runtime'
export type { GenerateOptions, GenerateResult, GeneratedImage, Img2ImgInput, PipelineRequest, ResolvedRequest } from './pipeline'
export { generate, generationParamsFor, resolveRequest } from './pipeline'
export { batchSeeds } from '../../shared/params'
export { readImageRgb } from './png'
export type { RgbImage } from './vae'
