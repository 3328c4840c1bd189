/**
 * A library folder chosen where the user already keeps files: the library refuses a folder that is not
 * a library, and inside images/ and thumbs/ it moves or deletes only files it made itself (recorded in
 * its index or named by its own id scheme). The user's own PNGs and thumbnails stay where they were.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LibraryError } from './errors'
import { Library } from './library'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'library-foreign-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const plainPng = (): Promise<Buffer> => sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 200, g: 10, b: 10 } } }).png().toBuffer()

describe('a folder holding the user’s files', () => {
  it('is refused as a library when it has files of its own and no library index, and nothing in it changes', () => {
    writeFileSync(join(dir, 'holiday.jpg'), 'my photo')
    mkdirSync(join(dir, 'Documents'))
    let err: unknown
    try {
      Library.open(dir)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(LibraryError)
    expect((err as LibraryError).code).toBe('not-a-library')
    expect((err as Error).message).toMatch(/already holds other files \("holiday\.jpg", "Documents"|"Documents", "holiday\.jpg"\).*choose an empty or new folder/)
    expect(existsSync(join(dir, 'images'))).toBe(false)
    expect(existsSync(join(dir, 'library.sqlite'))).toBe(false)
  })

  it('an empty folder, or an existing library, still opens', () => {
    Library.open(dir).close()
    writeFileSync(join(dir, 'settings.json'), '{}')
    Library.open(dir).close()
  })

  it('reconcile leaves the user’s PNGs in images/ and files in thumbs/ alone, and still cleans up its own', async () => {
    const png = await plainPng()
    mkdirSync(join(dir, 'images', '2024'), { recursive: true })
    mkdirSync(join(dir, 'thumbs'))
    writeFileSync(join(dir, 'images', 'photo.png'), png)
    writeFileSync(join(dir, 'images', '2024', 'IMG_0001.png'), png.subarray(0, 40)) // truncated, but the user's
    writeFileSync(join(dir, 'thumbs', 'mine.webp'), 'user thumbnail')
    writeFileSync(join(dir, 'thumbs', 'notes.png'), 'user file')
    // Its own: a damaged image and an orphan thumbnail named by the library's id scheme.
    writeFileSync(join(dir, 'images', '20260101-000000-000-deadbeef.png'), png.subarray(0, 40))
    writeFileSync(join(dir, 'thumbs', '20260101-000000-000-cafef00d.webp'), 'orphan')

    const { library, report } = await Library.start(dir, { full: true })
    try {
      expect(readFileSync(join(dir, 'images', 'photo.png'))).toEqual(png)
      expect(existsSync(join(dir, 'images', '2024', 'IMG_0001.png'))).toBe(true)
      expect(readFileSync(join(dir, 'thumbs', 'mine.webp'), 'utf8')).toBe('user thumbnail')
      expect(readFileSync(join(dir, 'thumbs', 'notes.png'), 'utf8')).toBe('user file')
      expect(report.leftAlone?.map((l) => l.file).sort()).toEqual([join(dir, 'images', '2024', 'IMG_0001.png'), join(dir, 'images', 'photo.png')])
      expect(report.quarantined.map((q) => q.file)).toEqual([expect.stringMatching(/quarantine\/\d+-20260101-000000-000-deadbeef\.png$/)])
      expect(report.orphanThumbnailsRemoved).toBe(1)
      expect(existsSync(join(dir, 'thumbs', '20260101-000000-000-cafef00d.webp'))).toBe(false)
      // The user's files are not the library's inconsistencies either.
      expect(library.verify().unindexed).toEqual([])
      // A second pass changes nothing.
      const again = await library.reconcile()
      expect(again.quarantined).toEqual([])
      expect(again.orphanThumbnailsRemoved).toBe(0)
    } finally {
      library.close()
    }
  })
})
