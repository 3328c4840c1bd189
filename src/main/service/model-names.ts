/**
 * How an untrusted request names a model: by the name of its folder in the models directory, never
 * by a path. A path in `params.model` (absolute, or with `..`) let any local page make the service read
 * files anywhere the user can — and error messages echoed their first bytes. The one exception is the
 * default model the studio was started with (`--model DIR` on the command line), which may be a path
 * because the user typed it, not a page.
 */
import { isAbsolute, join } from 'node:path'
import { RequestError } from '../../shared/api'

/** A plain folder name: no separators, not "." or "..", no control characters. */
export function isModelName(name: string): boolean {
  return name.length > 0 && name.length <= 255 && !/[/\\\u0000-\u001f]/.test(name) && name !== '.' && name !== '..' && !isAbsolute(name)
}

/** Throws a RequestError naming `field` unless `name` is a model folder name (or the start-up default). */
export function checkModelName(name: string, field: string, modelsDir: string, defaultModel?: string): void {
  if (name === '' || name === defaultModel || isModelName(name)) return
  throw new RequestError(field, `"${name}" is not a model name; models are chosen by the name of their folder in ${modelsDir} (such as "emoji-tiny"), never by a path`)
}

/** The folder of a checked model name. */
export function modelFolderOf(name: string, modelsDir: string): string {
  return isAbsolute(name) ? name : join(modelsDir, name)
}
