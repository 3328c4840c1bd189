/**
 * One line naming a queued or running job for the queue list: its prompt (or what a calibration job
 * does, since its prompt is only what it conditions on) and how many images it makes.
 */
import type { JobSummary } from '../../../../shared/api'

export function jobLine(j: Pick<JobSummary, 'kind' | 'prompt' | 'model' | 'cells'>): string {
  if (j.kind === 'calibrate') return `Calibrating score_optimal for ${j.model || 'the default model'}`
  const prompt = j.prompt.trim() || '(empty prompt)'
  // A gallery, sweep or batch job makes one image per cell.
  return j.cells > 1 ? `${prompt} · ${j.cells} images` : prompt
}
