/**
 * What identifies a model folder now, cheaply: its model_index.json's device, inode and modification
 * time. A folder removed (or renamed away) in the model manager and another imported under the same name
 * gets a new stamp, so caches keyed by the folder's name or path (the worker's warm model, the session
 * cache) load the new model instead of serving the old one's sessions.
 */
import { statSync } from 'node:fs'
import { join } from 'node:path'

export function folderStamp(dir: string): string {
  try {
    const st = statSync(join(dir, 'model_index.json'))
    return `${st.dev}:${st.ino}:${st.mtimeMs}`
  } catch {
    return 'none' // no index: loading reports why; nothing to tell apart
  }
}
