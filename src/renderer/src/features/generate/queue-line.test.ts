import { describe, expect, it } from 'vitest'
import { jobLine } from './queue-line'

describe('jobLine', () => {
  it('names a job by its prompt and image count, and a calibration by what it does', () => {
    expect(jobLine({ model: '', cells: 1 }, 'a cat')).toBe('a cat')
    expect(jobLine({ model: '', cells: 9 }, 'a cat')).toBe('a cat · 9 images')
    expect(jobLine({ model: '', cells: 1 }, '  ')).toBe('(empty prompt)')
    // Until the list has fetched the prompt.
    expect(jobLine({ model: '', cells: 2 }, undefined)).toBe('… · 2 images')
    expect(jobLine({ kind: 'calibrate', model: 'emoji-tiny', cells: 1 }, 'a cat')).toBe('Calibrating score_optimal for emoji-tiny')
    expect(jobLine({ kind: 'calibrate', model: '', cells: 1 }, undefined)).toBe('Calibrating score_optimal for the default model')
  })
})
