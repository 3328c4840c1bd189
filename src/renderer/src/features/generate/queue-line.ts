/**
 * One line naming a queued or running job for the queue list: its prompt (or what a calibration job
 * does, since its prompt is only what it conditions on) and how many images it makes. The prompt is not
 * in the queue's entries; the list fetches it (`studio:queue:details`) and shows "…" until it comes.
 */
import type { QueueEntry } from '../../../../shared/api'

export function jobLine(j: Pick<QueueEntry, 'kind' | 'model' | 'cells'>, prompt: string | undefined): string {
  if (j.kind === 'calibrate') return `Calibrating score_optimal for ${j.model || 'the default model'}`
  const text = prompt === undefined ? '…' : prompt.trim() || '(empty prompt)'
  // A gallery, sweep or batch job makes one image per cell.
  return j.cells > 1 ? `${text} · ${j.cells} images` : text
}
