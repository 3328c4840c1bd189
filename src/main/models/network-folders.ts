/**
 * Where LoRA files and textual-inversion embeddings are looked up by name in the app: the folder chosen
 * in Settings (the service passes it down as $SIGMA_STUDIO_LORAS / $SIGMA_STUDIO_EMBEDDINGS, which
 * scripts may also set), else `loras/` and `embeddings/` inside the models folder.
 */
import { join } from 'node:path'

export const LORAS_ENV = 'SIGMA_STUDIO_LORAS'
export const EMBEDDINGS_ENV = 'SIGMA_STUDIO_EMBEDDINGS'

export function lorasDirFor(modelsDir: string, env: NodeJS.ProcessEnv = process.env): string {
  return env[LORAS_ENV] || join(modelsDir, 'loras')
}

export function embeddingsDirFor(modelsDir: string, env: NodeJS.ProcessEnv = process.env): string {
  return env[EMBEDDINGS_ENV] || join(modelsDir, 'embeddings')
}
