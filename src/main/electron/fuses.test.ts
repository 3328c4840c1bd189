/**
 * The packaged app's Electron fuses (electron-builder.json): the binary cannot be turned into a plain
 * Node (ELECTRON_RUN_AS_NODE), take NODE_OPTIONS or --inspect, or load an app from outside its checked
 * asar. grantFileProtocolExtraPrivileges stays on because the window loads its page from file://.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const config = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'electron-builder.json'), 'utf8')) as { electronFuses?: Record<string, boolean>; asar?: boolean }

describe('Electron fuses in the packaging config', () => {
  it('turns off every way to run the binary as something else', () => {
    expect(config.asar).toBe(true)
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: true
    })
  })
})
