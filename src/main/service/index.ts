/** The generation service: job queue, cancel, progress, results (see service.ts). */
export { GenerationService, type FinishedJobInfo, type ServiceOptions } from './service'
export { MemoryResultSink, type FinishedImage, type ResultSink } from './result-sink'
export { dispatch, type DispatchResult } from './dispatch'
export { listModelFolders, pickDefaultModel } from './models-dir'
