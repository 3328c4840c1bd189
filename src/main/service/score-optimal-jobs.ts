/**
 * The service's side of score-optimal (issue 8), kept out of the queue code: which cached profile a
 * generation job's `score_optimal` cells get, what a calibration job needs before it can run (the
 * model hash), and storing a finished calibration. Runs on the main thread, so it only reads and writes
 * small files; the estimation itself runs in the worker.
 */
import { isAbsolute, join } from 'node:path'
import type { ProfileInfo } from '../../shared/calibration'
import type { GenerationParams } from '../../shared/params'
import type { WorkerJob } from '../worker/protocol'
import { validateProfile } from '../engine/score-optimal/profile'
import { modelShortHash } from '../library/model-hash'
import { listProfiles, parseProfileKey, pickProfile, profileId, writeProfile } from './profile-cache'

/** The folder a model name refers to (as the worker's runner resolves it). */
export function modelDir(modelsDir: string, name: string): string {
  return isAbsolute(name) ? name : join(modelsDir, name)
}

/**
 * The calibrated profile for a job whose cells use `score_optimal`, or null (fallback). A job's cells
 * share one model; a grid over CFG values gets the profile that best matches the first such cell.
 * Never throws: a model that cannot be hashed is reported by the worker when it tries to load it.
 */
export async function scoreOptimalForJob(cacheDir: string | undefined, modelsDir: string, cells: GenerationParams[]): Promise<WorkerJob['scoreOptimal']> {
  const cell = cells.find((c) => c.schedule === 'score_optimal')
  if (!cacheDir || !cell) return null
  try {
    const hash = await modelShortHash(modelDir(modelsDir, cell.model))
    const found = await pickProfile(cacheDir, hash, { cfg: cell.cfg, width: cell.width, height: cell.height })
    if (!found) return null
    const { info, profile } = found
    return { profile, use: { profile: 'calibrated', id: info.id, calibratedCfg: info.cfg, calibratedSize: `${info.width}x${info.height}` } }
  } catch {
    return null
  }
}

/** The model's hash for a calibration job; throws with what to do when the model cannot be read. */
export async function calibrationModelHash(modelsDir: string, model: string): Promise<string> {
  try {
    return await modelShortHash(modelDir(modelsDir, model))
  } catch (e) {
    throw new Error(`cannot calibrate model "${model}": ${(e as Error).message}. Choose an ONNX model folder from ${modelsDir}.`)
  }
}

/** Validates and caches a finished calibration; returns what the app shows about it. */
export function storeCalibration(cacheDir: string, key: string, profileJson: unknown): ProfileInfo {
  const profile = validateProfile(profileJson)
  const ident = parseProfileKey(key)
  if (!ident) throw new Error(`the worker returned a calibration with an unexpected cache key (${key.slice(0, 60)}…)`)
  writeProfile(cacheDir, key, profile)
  return { id: profileId(key), createdAt: Date.now(), ...ident }
}

/**
 * The profiles cached for a model, newest first (for 'studio:calibration:list'). A model that cannot be
 * hashed (missing, or the --fake stand-in) has none: generating with it reports the real problem.
 */
export async function cachedProfiles(cacheDir: string | undefined, modelsDir: string, model: string): Promise<ProfileInfo[]> {
  if (!cacheDir) return []
  let hash: string
  try {
    hash = await modelShortHash(modelDir(modelsDir, model))
  } catch {
    return []
  }
  return (await listProfiles(cacheDir, hash)).map((p) => p.info)
}
