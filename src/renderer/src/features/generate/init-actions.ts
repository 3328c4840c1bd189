/**
 * Choosing the img2img init image: from a picked or dropped file, or from an image the studio already
 * has (the current result, a library image). A refused file leaves the current init image
 * as it was and shows why next to the field.
 */
import type { StudioClient } from '../../api'
import { setInitError, setInitImage } from '../../store/generate'
import { browserSizeReader, checkInitFileSize, readInitImage, type SizeReader } from './init-image'

/** Only the newest choice counts: a large file still reading must not replace a smaller one chosen after it. */
let latest = 0

/** Checks, measures and sets the image; returns whether it was taken. */
export async function chooseInitBytes(bytes: Uint8Array, name: string, readSize: SizeReader = browserSizeReader): Promise<boolean> {
  const mine = ++latest
  const r = await readInitImage(bytes, name, readSize)
  if (mine !== latest) {
    if (!('error' in r)) URL.revokeObjectURL(r.url)
    return false
  }
  if ('error' in r) {
    setInitError(r.error)
    return false
  }
  setInitImage(r)
  return true
}

/** A picked or dropped file. Too large a file is refused before it is read into memory. */
export async function chooseInitFile(file: File, readSize?: SizeReader): Promise<boolean> {
  const tooBig = checkInitFileSize(file.size)
  if (tooBig) {
    ++latest
    setInitError(tooBig)
    return false
  }
  let bytes: Uint8Array
  try {
    bytes = new Uint8Array(await file.arrayBuffer())
  } catch (e) {
    ++latest
    setInitError(`Init image: cannot read "${file.name}" (${(e as Error).message}). Choose it again.`)
    return false
  }
  return chooseInitBytes(bytes, file.name, readSize)
}

/**
 * An image the studio already has (a result, a library image), fetched again by id: the page's blob: URLs
 * cannot be read back (the CSP allows fetching only from the page's own origin), and asking again keeps
 * the bytes exactly those stored.
 */
export async function chooseInitFromStudio(load: () => Promise<{ data: Uint8Array }>, name: string, readSize?: SizeReader): Promise<boolean> {
  let bytes: Uint8Array
  try {
    bytes = (await load()).data
  } catch (e) {
    ++latest
    setInitError(`Init image: cannot load ${name} (${(e as Error).message}).`)
    return false
  }
  return chooseInitBytes(bytes, name, readSize)
}

/** The shown job's result as the init image (A1111's "Send to img2img"). */
export function chooseInitFromResult(client: StudioClient, resultId: string, seed: string): Promise<boolean> {
  return chooseInitFromStudio(() => client.call('studio:result:image', { resultId }), `Result, seed ${seed}`)
}

/** A library image as the init image. */
export function chooseInitFromLibrary(client: StudioClient, id: string, name: string): Promise<boolean> {
  return chooseInitFromStudio(() => client.call('studio:library:image', { id }), name)
}
