import { describe, expect, it } from 'vitest'
import { defineSlice, useStudio } from './root'

interface CounterState {
  n: number
  label: string
}
interface OtherState {
  flag: boolean
}
declare module './root' {
  interface Slices {
    testCounter: CounterState
    testOther: OtherState
  }
}

describe('one store of feature slices', () => {
  const counter = defineSlice('testCounter', { n: 0, label: 'a' })
  const other = defineSlice('testOther', { flag: false })

  it('keeps each slice under its own key in the one state tree', () => {
    expect(useStudio.getState().testCounter).toEqual({ n: 0, label: 'a' })
    expect(useStudio.getState().testOther).toEqual({ flag: false })
  })

  it('merges a patch (object or function) into its slice only', () => {
    const before = other.getState()
    counter.setState({ n: 1 })
    counter.setState((s) => ({ n: s.n + 1 }))
    expect(counter.getState()).toEqual({ n: 2, label: 'a' })
    expect(other.getState()).toBe(before)
  })

  it('tells subscribers only about their own slice', () => {
    const seen: number[] = []
    const off = counter.subscribe((s, prev) => seen.push(s.n - prev.n))
    other.setState({ flag: true })
    counter.setState({ n: counter.getState().n + 5 })
    off()
    counter.setState({ n: 0 })
    expect(seen).toEqual([5])
  })

  it('keeps existing state when a slice is registered again (a hot-reloaded module)', () => {
    counter.setState({ n: 7 })
    const again = defineSlice('testCounter', { n: 0, label: 'a' })
    expect(again.getState().n).toBe(7)
  })
})
