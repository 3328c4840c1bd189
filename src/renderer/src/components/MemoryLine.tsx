/** One line under a form's size or plan: the job's estimated peak memory, or why it would be refused. */
import { memoryLine, type JobShape, type ModelMemoryInfo } from '../../../shared/memory-estimate'
import './fields.css'

export function MemoryLine({ memory, job, available }: { memory: ModelMemoryInfo | null | undefined; job: JobShape; available: number | null }): React.JSX.Element | null {
  const line = memoryLine(memory, job, available)
  if (!line) return null
  return (
    <p className={`field-desc memory-line${line.over ? ' warn' : ''}`} aria-label="Memory estimate" title={line.text}>
      {line.text}
    </p>
  )
}
