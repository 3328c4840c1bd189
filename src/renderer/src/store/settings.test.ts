import { describe, expect, it } from 'vitest'
import type { SettingsState } from '../../../shared/api'
import { libraryDirError, overrideLine, sourceLine } from './settings'

const base: SettingsState = { libraryDir: '/lib', librarySource: 'setting', savedLibraryDir: '/lib', defaultLibraryDir: '/home/me/.local/share/sigma-studio', override: null, settingsFile: '/s.json' }

describe('settings view wording', () => {
  it('says where the library folder came from', () => {
    expect(sourceLine(base)).toBe('From the folder chosen here.')
    expect(sourceLine({ ...base, librarySource: 'default' })).toBe('From the default folder for your user.')
    expect(sourceLine({ ...base, librarySource: 'env', override: { kind: 'env', name: 'SIGMA_STUDIO_LIBRARY', dir: '/env' } })).toBe('From the SIGMA_STUDIO_LIBRARY environment variable.')
    expect(sourceLine({ ...base, libraryDir: null, librarySource: 'off' })).toMatch(/library is off/)
  })

  it('warns when an environment variable or option beats the setting at start', () => {
    expect(overrideLine(base)).toBeNull()
    expect(overrideLine({ ...base, override: { kind: 'env', name: 'SIGMA_STUDIO_LIBRARY', dir: '/env' } })).toMatch(/^The environment variable SIGMA_STUDIO_LIBRARY is in force \(\/env\): it wins/)
    expect(overrideLine({ ...base, override: { kind: 'option', name: '--library', dir: '/x' } })).toMatch(/^The --library option is in force/)
  })
})

describe('libraryDirError', () => {
  it('catches an empty folder before asking the studio, and names the field in the studio’s refusals', () => {
    expect(libraryDirError('   ')).toMatch(/^Library folder is empty: type the full path/)
    expect(libraryDirError('/tmp/x')).toBeNull()
    expect(libraryDirError('x', 'cannot create /etc/passwd (a file is in the way); choose a folder you can write to')).toBe(
      'Library folder: cannot create /etc/passwd (a file is in the way); choose a folder you can write to'
    )
  })
})
