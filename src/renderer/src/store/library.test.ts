import { describe, expect, it } from 'vitest'
import type { LibraryItem } from '../../../shared/api'
import { initialLibraryFilters, itemAt, LIBRARY_PAGE, libraryQuery, librarySelectors, initialLibraryState, localDayBound, MAX_PAGES, pagesFor, withPage } from './library'

const item = (id: string): LibraryItem => ({ id, createdAt: '', model: 'm', modelHash: null, params: {} as LibraryItem['params'], favourite: false, tags: [], group: null, missing: false })

describe('library slice helpers', () => {
  it('turns the filters as typed into a query, leaving out what is "any"', () => {
    expect(libraryQuery(initialLibraryFilters, 0)).toEqual({ offset: 0, limit: 60 })
    const q = libraryQuery({ text: '  red fox ', model: 'sd1-tiny', sampler: 'euler', schedule: 'karras', favourite: true, from: '2026-11-01', to: '2026-11-24' }, 120, 30)
    expect(q).toMatchObject({ offset: 120, limit: 30, text: 'red fox', model: 'sd1-tiny', sampler: 'euler', schedule: 'karras', favourite: true })
    // Dates are the person's local days: from the start of the first to the end of the last.
    expect(new Date(q.from!).getTime()).toBe(new Date('2026-11-01T00:00:00').getTime())
    expect(new Date(q.to!).getTime()).toBe(new Date('2026-11-24T23:59:59.999').getTime())
    expect(localDayBound('24/11/2026', false)).toBeUndefined()
  })

  it('keeps the pages around the view, forgetting the farthest, and finds entries by index', () => {
    expect(pagesFor(0, 1)).toEqual([0])
    expect(pagesFor(LIBRARY_PAGE - 1, LIBRARY_PAGE + 1)).toEqual([0, 1])
    expect(pagesFor(10 * LIBRARY_PAGE + 5, 12 * LIBRARY_PAGE)).toEqual([10, 11])
    let pages = {}
    for (let n = 0; n < MAX_PAGES + 5; n++) pages = withPage(pages, n, [item(`p${n}`)], n)
    // scrolled to the end: the first pages went
    expect(Object.keys(pages).map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: MAX_PAGES }, (_, i) => i + 5))
    // a jump back to the top keeps the top page and drops the farthest from it
    pages = withPage(pages, 0, [item('top')], 0)
    expect(Object.keys(pages)).toHaveLength(MAX_PAGES)
    expect(Object.keys(pages).map(Number)).not.toContain(MAX_PAGES + 4)
    expect(itemAt({ pages }, 0)?.id).toBe('top')
    expect(itemAt({ pages }, 6 * LIBRARY_PAGE)?.id).toBe('p6')
    expect(itemAt({ pages }, 6 * LIBRARY_PAGE + 1)).toBeUndefined()
  })

  it('says how many images match', () => {
    expect(librarySelectors.countLine({ ...initialLibraryState, status: 'ready', total: 0 })).toBe('No images match.')
    expect(librarySelectors.countLine({ ...initialLibraryState, status: 'ready', total: 1, pages: { 0: [item('a')] } })).toBe('1 image')
    expect(librarySelectors.countLine({ ...initialLibraryState, status: 'ready', total: 90, selected: ['a', 'b'] })).toBe('90 images · 2 selected')
    expect(librarySelectors.countLine({ ...initialLibraryState, status: 'ready', total: 950_000, totalExact: false })).toBe('About 950000 images')
    expect(librarySelectors.countLine({ ...initialLibraryState, status: 'error', error: 'the library is off' })).toBe('the library is off')
  })
})
