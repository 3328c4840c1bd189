/**
 * "Calibrate score_optimal" for the gallery's model: queues a 'studio:calibrate' job with the gallery's
 * prompt, CFG and size, shows its progress ('studio:calibration') with a cancel button, and says whether
 * the model already has a calibrated profile. State is local: nothing else in the UI needs it, and the
 * job's result lives in the service's cache, which every later score_optimal generation reads.
 */
import { useEffect, useState } from 'react'
import type { CalibrationEvent, ProfileInfo } from '../../../../shared/calibration'
import type { StudioClient } from '../../api'
import { useGalleryStore } from '../../store/gallery'

type Run = { jobId: string; progress: CalibrationEvent | null } | null

export function CalibrateControl({ client }: { client: StudioClient }): React.JSX.Element {
  const draft = useGalleryStore((s) => s.draft)
  const [profiles, setProfiles] = useState<ProfileInfo[] | null>(null)
  const [run, setRun] = useState<Run>(null)
  const [message, setMessage] = useState<string | null>(null)

  const refresh = (): void => {
    client.call('studio:calibration:list', { model: draft.model }).then(
      (r) => setProfiles(r.profiles),
      () => setProfiles(null)
    )
  }
  useEffect(refresh, [client, draft.model])

  useEffect(() => {
    if (!run) return
    const offs = [
      client.on('studio:calibration', (e) => {
        if (e.jobId !== run.jobId) return
        setRun({ jobId: run.jobId, progress: e })
      }),
      client.on('studio:job', (j) => {
        if (j.jobId !== run.jobId || (j.state !== 'completed' && j.state !== 'cancelled' && j.state !== 'failed')) return
        setRun(null)
        setMessage(j.state === 'completed' ? 'Calibrated: score_optimal now uses this model\'s own profile.' : `Calibration ${j.state}.`)
        refresh()
      }),
      client.on('studio:error', (e) => {
        if (e.jobId === run.jobId) setMessage(e.message)
      })
    ]
    return () => offs.forEach((off) => off())
    // Subscriptions depend on the job only; refresh reads the model current at the time it runs.
  }, [client, run?.jobId])

  const start = (): void => {
    setMessage(null)
    client
      .call('studio:calibrate', {
        model: draft.model,
        prompt: draft.prompt,
        negativePrompt: draft.negativePrompt,
        cfg: draft.cfg,
        width: draft.width,
        height: draft.height,
        trajectories: 8,
        intervals: 100
      })
      .then(
        ({ jobId }) => setRun({ jobId, progress: null }),
        (e: Error) => setMessage(e.message)
      )
  }

  const p = run?.progress
  const status = run
    ? `Calibrating… ${Math.round((p?.fraction ?? 0) * 100)}%${p?.remainingMs != null ? `, about ${Math.ceil(p.remainingMs / 1000)} s left` : ''}`
    : profiles === null
      ? ''
      : profiles.length === 0
        ? 'Not calibrated: score_optimal uses its built-in fallback.'
        : `Calibrated (${profiles.length} profile${profiles.length === 1 ? '' : 's'}; newest at CFG ${profiles[0].cfg}, ${profiles[0].width}x${profiles[0].height}).`

  return (
    <div className="row calibrate" aria-label="score_optimal calibration">
      <button type="button" disabled={run !== null} onClick={start} title="Estimate the score-optimal schedule from this model's own denoiser (8 trajectories, about 2,400 model calls); cached per model">
        Calibrate score_optimal
      </button>
      {run && (
        <>
          <progress max={1} value={p?.fraction ?? 0} />
          <button type="button" onClick={() => void client.call('studio:cancel', { jobId: run.jobId })}>
            Cancel calibration
          </button>
        </>
      )}
      <span className="plan" role="status">
        {message ?? status}
      </span>
    </div>
  )
}
