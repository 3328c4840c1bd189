/**
 * The generate view's output column: live preview and result side by side in fixed-size frames (so
 * nothing moves while frames stream), the progress bar with step, sigma and time left, the images of the
 * shown job (a batch has several; click one to show it large) with "Use as init image" for the one shown
 * (img2img from it, A1111's "Send to img2img") and "Compare as A / B", and the queue.
 */
import type { StudioClient } from '../../api'
import { pick, useCompareStore } from '../../store/compare'
import { generateSelectors, useGenerateStore } from '../../store/generate'
import { chooseInitFromResult } from './init-actions'
import { PreviewCanvas } from './PreviewCanvas'
import { QueueList } from './QueueList'
import { setInpaint } from '../../store/inpaint'

export function GenerateOutput({ client }: { client: StudioClient }): React.JSX.Element {
  const line = useGenerateStore(generateSelectors.progressLine)
  const status = useGenerateStore((s) => s.status)
  const resultUrl = useGenerateStore((s) => s.resultUrl)
  const results = useGenerateStore((s) => s.results)
  const progress = useGenerateStore((s) => s.progress)
  const error = useGenerateStore((s) => s.error)
  const shownResult = results.find((r) => r.url === resultUrl)
  const pickedA = useCompareStore((s) => s.a?.url ?? null)
  const pickedB = useCompareStore((s) => s.b?.url ?? null)
  const compareAs = (side: 'a' | 'b'): void => {
    if (shownResult) pick(side, { url: shownResult.url, label: shownResult.label, cell: -1 })
  }
  const done = progress ? progress.jobStep : 0
  const total = progress ? progress.jobSteps : 1
  const fraction = status === 'completed' ? 1 : Math.min(1, done / Math.max(1, total))
  return (
    <div className="generate-output">
      <div className="stage">
        <figure>
          <PreviewCanvas />
          <figcaption>Preview</figcaption>
        </figure>
        <figure>
          <div className="frame">{resultUrl ? <img className="result" src={resultUrl} alt="Generated image" /> : <div className="result empty">No image yet</div>}</div>
          <figcaption>{shownResult ? `Result · seed ${shownResult.seed} · ${shownResult.width}×${shownResult.height} · ${(shownResult.wallMs / 1000).toFixed(1)} s` : 'Result'}</figcaption>
        </figure>
      </div>
      <div
        className="progress-bar"
        role="progressbar"
        aria-label="Generation progress"
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={status === 'completed' ? total : done}
        data-status={status}
      >
        <div className="fill" style={{ transform: `scaleX(${fraction})` }} />
      </div>
      <p className={`progress${error ? ' failed' : ''}`} role="status" data-status={status}>
        {line}
      </p>
      <div className="batch-row">
        <ul className="batch" aria-label="Images of this job">
          {results.map((r) => (
            <li key={r.resultId}>
              <button type="button" aria-pressed={r.url === resultUrl} title={`Seed ${r.seed}`} onClick={() => useGenerateStore.setState({ resultUrl: r.url })}>
                <img src={r.url} alt={`Result seed ${r.seed}`} />
              </button>
            </li>
          ))}
        </ul>
        <button
          type="button"
          disabled={!shownResult}
          title="Start an img2img job from the result shown (it becomes the init image)"
          onClick={() => shownResult && void chooseInitFromResult(client, shownResult.resultId, shownResult.seed)}
        >
          Use as init image
        </button>
        <button
          type="button"
          disabled={!shownResult}
          title="Repaint part of the result shown: it becomes the init image with the mask editor open"
          onClick={() => shownResult && void chooseInitFromResult(client, shownResult.resultId, shownResult.seed).then((ok) => ok && setInpaint({ on: true }))}
        >
          Inpaint
        </button>
        {/* Two generations side by side: pick one as A, the next as B, then open Compare. */}
        <button type="button" disabled={!shownResult} aria-pressed={!!shownResult && pickedA === shownResult.url} title="Show the result shown as A in the Compare view" onClick={() => compareAs('a')}>
          Compare as A
        </button>
        <button type="button" disabled={!shownResult} aria-pressed={!!shownResult && pickedB === shownResult.url} title="Show the result shown as B in the Compare view" onClick={() => compareAs('b')}>
          Compare as B
        </button>
      </div>
      <QueueList client={client} />
    </div>
  )
}
