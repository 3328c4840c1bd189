/** Guidance and sampling modifiers: wrappers around denoisers, noise sources and samplers. */
export type { ConditionalDenoiser, CondUncond } from './conditional'
export { conditionalFromPair } from './conditional'
export type { CfgOptions } from './cfg'
export { cfgCombine, classifierFreeGuidance, validateCfgScale } from './cfg'
export type { SigmaInterval } from './interval'
export { inGuidanceInterval, validateInterval } from './interval'
export { rescaleGuided, validateRescalePhi } from './rescale'
export type { ClipSampleOptions, DynamicThresholdOptions } from './threshold'
export {
  clipSample,
  clipSampleDenoiser,
  dynamicThreshold,
  dynamicThresholding,
  quantileSorted,
  validateClipSample,
  validateDynamicThreshold
} from './threshold'
export { temperatureNoise, temperedStart, validateTemperature } from './temperature'
export { noiseInjection, validateInjectionGamma } from './injection'
export type { EnsembleMember, EnsembleOptions } from './ensemble'
export { ensembleSampler } from './ensemble'
export type { ModifierId, ModifierInfo, ModifierKind, ModifierParam } from '../../../shared/modifiers'
export { MODIFIERS, MODIFIER_IDS } from '../../../shared/modifiers'
export type { GuidanceSettings } from './compose'
export { composeGuidance } from './compose'
export { UncondCapture } from './uncond'
