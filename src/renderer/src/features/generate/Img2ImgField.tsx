/**
 * "Image to image" in the generate form (A1111's img2img tab, folded into one section): choose an init
 * image with the file picker, by dropping it on the section or by pasting a copied image; see it with its
 * size and what the worker will do to fit it; set the denoising strength (slider and number, 0..1) and
 * see how many steps that runs. Without an image the job is plain text-to-image. Refused files are
 * explained next to the field before anything is sent.
 */
import { useEffect, useId, useRef, useState } from 'react'
import type { StudioClient } from '../../api'
import { clearInitImage, setDraft, setInitError, useGenerateStore } from '../../store/generate'
import { InpaintSection } from '../inpaint/InpaintSection'
import { chooseInitFile, chooseInitFromResult } from './init-actions'
import { matchAspect, resizeNote, stepsNote } from './init-image'

/** A drag carries files (from the desktop) or a URL (an image dragged within the page). */
const carriesImage = (e: React.DragEvent | DragEvent): boolean => !!e.dataTransfer && [...e.dataTransfer.types].some((t) => t === 'Files' || t === 'text/uri-list')

/** A number input's value: '' while the field is empty or half-typed (NaN), so typing is not fought. */
const shown = (n: number): number | '' => (Number.isNaN(n) ? '' : n)

export function Img2ImgField({ client, sizeStep, error }: { client: StudioClient; sizeStep: number; error?: string }): React.JSX.Element {
  const id = useId()
  const init = useGenerateStore((s) => s.init)
  const initError = useGenerateStore((s) => s.initError)
  const initNote = useGenerateStore((s) => s.initNote)
  const strength = useGenerateStore((s) => s.draft.strength)
  const steps = useGenerateStore((s) => s.draft.steps)
  const width = useGenerateStore((s) => s.draft.width)
  const height = useGenerateStore((s) => s.draft.height)
  const input = useRef<HTMLInputElement>(null)
  const [over, setOver] = useState(false)

  // A file dropped a little beside the section must not make the page navigate to it (the form would be lost).
  useEffect(() => {
    const block = (e: DragEvent): void => {
      if (e.dataTransfer?.types.includes('Files')) e.preventDefault()
    }
    // Ctrl+V of a copied image (A1111 habit) sets it, wherever the focus is in the view: an image on the
    // clipboard has no text to paste into a field, so nothing is taken from the person.
    const paste = (e: ClipboardEvent): void => {
      const file = e.clipboardData?.files[0]
      if (!file || !file.type.startsWith('image/') || e.clipboardData?.types.includes('text/plain')) return
      e.preventDefault()
      void chooseInitFile(file)
    }
    window.addEventListener('dragover', block)
    window.addEventListener('drop', block)
    window.addEventListener('paste', paste)
    return () => {
      window.removeEventListener('dragover', block)
      window.removeEventListener('drop', block)
      window.removeEventListener('paste', paste)
    }
  }, [])

  // A refusal must be seen: the form scrolls, and the message may be below its visible part.
  const msg = useRef<HTMLParagraphElement>(null)
  useEffect(() => {
    if (initError) msg.current?.scrollIntoView({ block: 'nearest' })
  }, [initError])

  const onDrop = (e: React.DragEvent): void => {
    e.preventDefault()
    setOver(false)
    const file = e.dataTransfer.files[0]
    if (file) return void chooseInitFile(file)
    // A result dragged from the output column: its blob: URL names it (the bytes are asked for again).
    const url = e.dataTransfer.getData('text/uri-list').split('\n')[0]?.trim()
    const result = useGenerateStore.getState().results.find((r) => r.url === url)
    if (result) void chooseInitFromResult(client, result.resultId, result.seed)
    else if (url) setInitError('Init image: only image files and this page\'s results can be dropped here. Save the image and choose the file.')
  }

  const out = { width, height }
  const message = initError ?? error ?? initNote
  const hint = init ? `${init.width}×${init.height} ${init.format.toUpperCase()} · ${resizeNote(init, out)}` : 'PNG, JPEG or WebP, up to 32 MiB.'
  const stretched = init !== null && resizeNote(init, out).startsWith('Stretched')

  return (
    <fieldset
      className={`field img2img-field${over ? ' drop-over' : ''}${init ? ' has-image' : ''}`}
      aria-label="Image to image"
      aria-describedby={`${id}-msg`}
      onDragOver={(e) => {
        if (!carriesImage(e)) return
        e.preventDefault()
        e.dataTransfer.dropEffect = 'copy'
        setOver(true)
      }}
      onDragLeave={(e) => {
        // Leaving for a child element is not leaving the section.
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setOver(false)
      }}
      onDrop={onDrop}
    >
      <legend>Image to image</legend>
      <input
        ref={input}
        id={`${id}-file`}
        className="sr-only"
        type="file"
        accept="image/png,image/jpeg,image/webp"
        aria-label="Init image"
        aria-invalid={initError ? true : undefined}
        aria-describedby={`${id}-msg`}
        tabIndex={-1}
        onChange={(e) => {
          const file = e.target.files?.[0]
          // Cleared so that choosing the same file again (after fixing it on disk) fires again.
          e.target.value = ''
          if (file) void chooseInitFile(file)
        }}
      />
      <div className="img2img-row">
        {init ? (
          <img className="init-thumb" src={init.url} alt={`Init image: ${init.name}`} title={init.name} />
        ) : (
          <div className="init-thumb empty" aria-hidden="true">
            ⤓
          </div>
        )}
        <div className="img2img-main">
          <div className="img2img-head">
            <span className="init-name" title={init?.name}>
              {init ? init.name : 'Drop an image here, or'}
            </span>
            <button type="button" className="icon" onClick={() => input.current?.click()}>
              {init ? 'Replace…' : 'Choose image…'}
            </button>
            {init && (
              <button type="button" className="icon" onClick={clearInitImage}>
                Clear
              </button>
            )}
          </div>
          <p className="field-desc" title={hint}>
            {hint}
            {stretched && (
              <>
                {' '}
                <button type="button" className="link" title="Set the size to the image's aspect ratio, about the same number of pixels" onClick={() => init && setDraft(matchAspect(init, out, sizeStep))}>
                  Match aspect
                </button>
              </>
            )}
          </p>
        </div>
      </div>
      {init && (
        <>
          <div className="strength-row">
            <label htmlFor={`${id}-strength`}>Denoising strength</label>
            <input
              id={`${id}-strength`}
              type="range"
              min={0}
              max={1}
              step={0.01}
              value={Number.isFinite(strength) ? strength : 0}
              onChange={(e) => setDraft({ strength: e.target.valueAsNumber })}
            />
            <input
              type="number"
              aria-label="Denoising strength value"
              min={0}
              max={1}
              step={0.05}
              value={shown(strength)}
              aria-invalid={error ? true : undefined}
              onChange={(e) => setDraft({ strength: e.target.valueAsNumber })}
            />
          </div>
          <p className="field-desc" data-testid="img2img-steps" title="Low strength keeps the image; 1 ignores its content.">
            {stepsNote(steps, strength)}
          </p>
          <InpaintSection init={init} sizeStep={sizeStep} />
        </>
      )}
      <p ref={msg} className={`field-desc${message ? ' warn' : ''}`} id={`${id}-msg`} role={initError ? 'alert' : undefined} title={message ?? undefined}>
        {message ?? (init ? 'Low strength keeps the image; 1 ignores its content.' : 'Without an init image the job is text-to-image.')}
      </p>
    </fieldset>
  )
}
