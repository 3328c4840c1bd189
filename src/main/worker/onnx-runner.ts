/**
 * The JobRunner over the ONNX pipeline of src/main/models (placeholder until that pipeline lands).
 */
import type { JobRunner } from './runner'
import { ModelNotFoundError } from './runner'

export function createOnnxRunner(modelsDir: string): JobRunner {
  return {
    async load(name) {
      throw new ModelNotFoundError(`model "${name}" cannot be loaded from ${modelsDir}: the ONNX pipeline is not available in this build yet`)
    }
  }
}
