/**
 * "Calibrate score_optimal" for the gallery's model: queues a 'studio:calibrate' job with the gallery's
 * prompt, CFG and size, shows its progress with a cancel button, and says whether the model already
 * has a calibrated profile. The calibration's own state is in the gallery store (calibration.ts), so it
 * survives leaving the view; the profile list is read when shown and after each calibration.
 */
import { useEffect, useState } from 'react'
import { DEFAULT_CALIBRATION, type ProfileInfo } from '../../../../shared/calibration'
import type { StudioClient } from '../../api'
import { useGalleryStore } from '../../store/gallery'
import { cancelCalibration, startCalibration } from './calibration'

export function CalibrateControl({ client }: { client: StudioClient }): React.JSX.Element {
  const draft = useGalleryStore((s) => s.draft)
  const cal = useGalleryStore((s) => s.calibration)
  const [profiles, setProfiles] = useState<ProfileInfo[] | null>(null)

  useEffect(() => {
    let live = true
    client.call('studio:calibration:list', { model: draft.model }).then(
      (r) => live && setProfiles(r.profiles),
      () => live && setProfiles(null)
    )
    return () => {
      live = false
    }
  }, [client, draft.model, cal.finished])

  const start = (): void => {
    void startCalibration(client, {
      model: draft.model,
      prompt: draft.prompt,
      negativePrompt: draft.negativePrompt,
      cfg: draft.cfg,
      width: draft.width,
      height: draft.height,
      trajectories: DEFAULT_CALIBRATION.trajectories,
      intervals: DEFAULT_CALIBRATION.intervals
    })
  }

  const busy = cal.starting || cal.jobId !== null
  const p = cal.progress
  const status = busy
    ? `Calibrating… ${Math.round((p?.fraction ?? 0) * 100)}%${p?.remainingMs != null ? `, about ${Math.ceil(p.remainingMs / 1000)} s left` : ''}`
    : cal.message !== null
      ? cal.message
      : profiles === null
        ? ''
        : profiles.length === 0
          ? 'Not calibrated: score_optimal uses its built-in fallback.'
          : `Calibrated (${profiles.length} profile${profiles.length === 1 ? '' : 's'}; newest at CFG ${profiles[0].cfg}, ${profiles[0].width}x${profiles[0].height}).`

  return (
    <div className="row calibrate" aria-label="score_optimal calibration">
      <button
        type="button"
        disabled={busy}
        onClick={start}
        title={`Estimate the score-optimal schedule from this model's own denoiser (${DEFAULT_CALIBRATION.trajectories} trajectories, about ${(3 * DEFAULT_CALIBRATION.trajectories * DEFAULT_CALIBRATION.intervals).toLocaleString('en')} model calls); cached per model`}
      >
        Calibrate score_optimal
      </button>
      {busy && (
        <>
          <progress max={1} value={p?.fraction ?? 0} aria-label="Calibration progress" />
          <button type="button" disabled={cal.jobId === null} onClick={() => void cancelCalibration(client)}>
            Cancel calibration
          </button>
        </>
      )}
      <span className="plan" role="status">
        {status}
      </span>
    </div>
  )
}
