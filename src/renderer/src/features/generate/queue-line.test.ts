import { describe, expect, it } from 'vitest'
import { jobLine } from './queue-line'

describe('jobLine', () => {
  it('names a job by its prompt and image count, and a calibration by what it does', () => {
    expect(jobLine({ prompt: 'a cat', model: '', cells: 1 })).toBe('a cat')
    expect(jobLine({ prompt: 'a cat', model: '', cells: 9 })).toBe('a cat · 9 images')
    expect(jobLine({ prompt: '  ', model: '', cells: 1 })).toBe('(empty prompt)')
    expect(jobLine({ kind: 'calibrate', prompt: 'a cat', model: 'emoji-tiny', cells: 1 })).toBe('Calibrating score_optimal for emoji-tiny')
    expect(jobLine({ kind: 'calibrate', prompt: '', model: '', cells: 1 })).toBe('Calibrating score_optimal for the default model')
  })
})
