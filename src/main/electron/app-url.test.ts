import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { isAppUrl } from './app-url'

describe('isAppUrl', () => {
  const file = join('/opt/studio/out/renderer', 'index.html')
  it('accepts only our renderer file or the dev server origin', () => {
    expect(isAppUrl(pathToFileURL(file).href, file, undefined)).toBe(true)
    expect(isAppUrl(pathToFileURL(file).href + '#x', file, undefined)).toBe(true)
    expect(isAppUrl(pathToFileURL('/etc/passwd').href, file, undefined)).toBe(false)
    expect(isAppUrl('https://evil.example/', file, undefined)).toBe(false)
    expect(isAppUrl('http://localhost:5173/', file, 'http://localhost:5173')).toBe(true)
    expect(isAppUrl('http://localhost:5174/', file, 'http://localhost:5173')).toBe(false)
    expect(isAppUrl('not a url', file, undefined)).toBe(false)
  })
})
