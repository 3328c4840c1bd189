import { describe, expect, it } from 'vitest'
import { reconcileText } from './ReconcileLine'

describe('reconcile progress line', () => {
  it('says the phase and how far it has got', () => {
    expect(reconcileText({ running: true, phase: 'images', done: 1500, total: 6000 })).toBe('Checking the library folder in the background: checking images 1,500 of 6,000 (25 %). Images may still appear.')
  })
  it('says what it can when the size is not known yet', () => {
    expect(reconcileText({ running: true, phase: null, done: 0, total: 0 })).toBe('Checking the library folder in the background: checking the library. Images may still appear.')
  })
})
