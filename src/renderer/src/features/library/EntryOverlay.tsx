/**
 * One library image shown large with everything it was made with, and what can be done with it:
 * favourite, "use these settings", compare as A or B, delete (asks first). Esc or Close shuts it.
 */
import type { StudioClient } from '../../api'
import { useEscapeKey } from '../../hooks/use-escape-key'
import { useCompareStore } from '../../store/compare'
import { librarySelectors, useLibraryStore } from '../../store/library'
import { showView } from '../../store/ui'
import { chooseInitFromLibrary } from '../generate/init-actions'
import { useEffect } from 'react'
import { closeEntry, compareAs, deleteEntry, entryLabel, loadIntoGenerate, openNeighbour, setFavourite } from './actions'
import { ZoomView } from './ZoomView'
import { MadeFrom } from './MadeFrom'
import { NetworksUsed } from './NetworksUsed'
import { setInpaint } from '../../store/inpaint'

export function EntryOverlay({ client }: { client: StudioClient }): React.JSX.Element | null {
  const openId = useLibraryStore((s) => s.openId)
  const listed = useLibraryStore(librarySelectors.open)
  const detail = useLibraryStore((s) => s.detail)
  const url = useLibraryStore((s) => s.detailUrl)
  const confirm = useLibraryStore((s) => s.confirmDelete)
  const notice = useLibraryStore((s) => s.notice)
  const inputs = useLibraryStore((s) => s.detailInputs)
  const pickedA = useCompareStore((s) => s.a?.url ?? null)
  const pickedB = useCompareStore((s) => s.b?.url ?? null)
  useEscapeKey(!!openId, closeEntry)
  // Left and right arrows step to the previous and next image of the list.
  useEffect(() => {
    if (!openId) return
    const onKey = (e: KeyboardEvent): void => {
      if (e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement) return
      if (e.key === 'ArrowLeft') void openNeighbour(client, -1)
      else if (e.key === 'ArrowRight') void openNeighbour(client, 1)
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [openId, client])
  if (!openId) return null
  const entry = detail?.entry ?? listed
  const p = entry?.params
  const prompt = p?.prompt || '(no prompt)'
  const cell = entry?.group?.cell
  return (
    <div className="library-overlay" role="dialog" aria-modal="true" aria-label={`Library image: ${prompt}`} onClick={closeEntry}>
      <div className="library-detail" onClick={(e) => e.stopPropagation()}>
        <ZoomView url={url} alt={`Large: ${prompt}`} placeholder={detail ? 'The image file is missing.' : 'Loading…'} />
        <div className="info">
          <h3>{prompt}</h3>
          {p?.negativePrompt && (
            <p className="negative">
              <span>Negative:</span> {p.negativePrompt}
            </p>
          )}
          {entry && p && (
            <dl className="params">
              <dt>Model</dt>
              <dd>{entry.model || '(default)'}</dd>
              <dt>Settings</dt>
              <dd>{entryLabel(entry)}</dd>
              <dt>Size</dt>
              <dd>
                {p.width}×{p.height}
                {p.batchSize > 1 ? ` · batch ${p.batchSize}` : ''}
              </dd>
              {p.guidance.rescale > 0 && (
                <>
                  <dt>Rescale</dt>
                  <dd>{p.guidance.rescale}</dd>
                </>
              )}
              <dt>Made</dt>
              <dd>{new Date(entry.createdAt).toLocaleString()}</dd>
              {cell && (
                <>
                  <dt>Grid cell</dt>
                  <dd>{Object.entries(cell).map(([k, v]) => `${k} ${v}`).join(' · ')}</dd>
                </>
              )}
            </dl>
          )}
          <MadeFrom inputs={inputs} />
          <NetworksUsed networks={detail?.networks} />
          {detail?.infotext && (
            <details>
              <summary>A1111 infotext</summary>
              <pre aria-label="Infotext">{detail.infotext}</pre>
            </details>
          )}
          {detail && (
            <p className="file" title={detail.file}>
              {/* "Show in folder": the path, and a button to copy it (the same in the desktop app and the browser). */}
              <span aria-label="File on disk">{detail.file}</span>{' '}
              <button
                type="button"
                className="copy-path"
                title="The desktop app opens the file manager at the image; in the browser the path is copied"
                onClick={() =>
                  void client.call('studio:library:reveal', { id: detail.entry.id }).then(
                    (r) => (r.shown ? undefined : navigator.clipboard?.writeText(r.file).catch(() => {})),
                    () => {}
                  )
                }
              >
                Show in folder
              </button>
              <button type="button" className="copy-path" onClick={() => void navigator.clipboard?.writeText(detail.file).catch(() => {})}>
                Copy path
              </button>
            </p>
          )}
          <div className="actions">
            {entry && (
              <>
                <button type="button" title={inputs.init ? 'The settings, the init image and the mask go back into Generate' : undefined} onClick={() => void loadIntoGenerate(entry)}>
                  Use these settings
                </button>
                {/* A1111's "Send to img2img": the image becomes Generate's init image (the settings stay). */}
                <button type="button" disabled={!url} onClick={() => void chooseInitFromLibrary(client, entry.id, `Library: ${prompt.slice(0, 40)}`).then(() => (closeEntry(), showView('generate')))}>
                  Use as init image
                </button>
                <button type="button" disabled={!url} title="Repaint or extend this image: it becomes the init image with the mask editor open" onClick={() => void chooseInitFromLibrary(client, entry.id, `Library: ${prompt.slice(0, 40)}`).then((ok) => ok && (setInpaint({ on: true }), closeEntry(), showView('generate')))}>
                  Inpaint / outpaint
                </button>
                <button type="button" aria-pressed={entry.favourite} onClick={() => void setFavourite(client, entry.id, !entry.favourite)}>
                  {entry.favourite ? '★ Favourite' : '☆ Favourite'}
                </button>
                <button type="button" disabled={!url} aria-pressed={!!url && pickedA === url} onClick={() => compareAs('a')}>
                  Compare as A
                </button>
                <button type="button" disabled={!url} aria-pressed={!!url && pickedB === url} onClick={() => compareAs('b')}>
                  Compare as B
                </button>
              </>
            )}
            {!confirm ? (
              <button type="button" className="danger" onClick={() => useLibraryStore.setState({ confirmDelete: true })}>
                Delete…
              </button>
            ) : (
              <span className="confirm" role="group" aria-label="Confirm delete">
                Delete this image from disk?
                <button type="button" className="danger" onClick={() => void deleteEntry(client, openId)}>
                  Delete
                </button>
                <button type="button" onClick={() => useLibraryStore.setState({ confirmDelete: false })}>
                  Keep
                </button>
              </span>
            )}
            {url && entry && (
              <a className="button" href={url} download={`${entry.id}.png`}>
                Download
              </a>
            )}
            <button type="button" onClick={closeEntry}>
              Close
            </button>
          </div>
          <p className="notice-line" role="status">
            {notice ?? ''}
          </p>
        </div>
      </div>
    </div>
  )
}
