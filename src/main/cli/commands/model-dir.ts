/** Where a command finds its model folder: --model DIR, a name under models/, or the embedded default. */
import { existsSync } from 'node:fs'
import { isAbsolute, join, resolve } from 'node:path'
import { ModelFolderError } from '../../models/errors'
import { appRoot } from '../../util/app-root'

/** The repository's (or installed app's) models/ folder. */
export const MODELS_DIR = join(appRoot(), 'models')
/** The embedded default model, trained into the repository (its own issue). */
export const DEFAULT_MODEL = join(MODELS_DIR, 'emoji-tiny')

export function resolveModelDir(given: string | undefined, defaultModel = DEFAULT_MODEL): string {
  if (given === undefined || given === '') {
    if (!existsSync(join(defaultModel, 'model_index.json')) && !existsSync(join(defaultModel, 'unet'))) {
      throw new ModelFolderError('missing-folder', defaultModel, 'no --model given and the embedded default model is not installed', 'pass --model DIR with a diffusers ONNX model folder')
    }
    return defaultModel
  }
  const asPath = resolve(given)
  if (existsSync(asPath) || isAbsolute(given) || given.includes('/') || given.includes('\\')) return asPath
  const named = join(MODELS_DIR, given)
  return existsSync(named) ? named : asPath
}
