import { describe, expect, it } from 'vitest'
import type { LibraryItem } from '../../../shared/api'
import { appendPage, initialLibraryFilters, libraryQuery, librarySelectors, initialLibraryState, localDayBound, mergeNewest } from './library'

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

  it('puts new results in front and appends later pages without duplicates', () => {
    const cur = [item('c'), item('b'), item('a')]
    expect(mergeNewest(cur, [item('e'), item('d'), item('c'), item('b')]).map((i) => i.id)).toEqual(['e', 'd', 'c', 'b', 'a'])
    expect(mergeNewest(cur, [item('c')])).toBe(cur)
    expect(appendPage(cur, [item('a'), item('z')]).map((i) => i.id)).toEqual(['c', 'b', 'a', 'z'])
  })

  it('says how many images match', () => {
    expect(librarySelectors.countLine({ ...initialLibraryState, status: 'ready', total: 0 })).toBe('No images match.')
    expect(librarySelectors.countLine({ ...initialLibraryState, status: 'ready', total: 1, items: [item('a')] })).toBe('1 image')
    expect(librarySelectors.countLine({ ...initialLibraryState, status: 'ready', total: 90, items: Array.from({ length: 60 }, (_, i) => item(String(i))) })).toBe('90 images (60 loaded)')
    expect(librarySelectors.countLine({ ...initialLibraryState, status: 'error', error: 'the library is off' })).toBe('the library is off')
  })
})
