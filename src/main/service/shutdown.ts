/**
 * Ctrl+C and SIGTERM for the processes that host the studio (the web host, a render node): the first
 * signal shuts down in order — the running job is cancelled, the worker releases its ONNX sessions and
 * ends, the library closes — and the process exits 0; a second signal while that is under way exits at
 * once (130), for a user who really means it. Exiting with the worker still inside ONNX Runtime aborted
 * the process in native code and could cut a library write short.
 */
export function exitOnSignals(stop: () => Promise<void>, log: (line: string) => void = (l) => console.error(l)): () => void {
  let stopping = false
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log(`${signal} again: exiting now`)
      process.exit(130)
    }
    stopping = true
    log(`${signal}: stopping (cancelling the running job and closing the library; ${signal === 'SIGINT' ? 'Ctrl+C again' : 'the same signal again'} exits at once)`)
    stop().then(
      () => process.exit(0),
      (e: unknown) => {
        log(`stopping failed: ${(e as Error).message ?? String(e)}`)
        process.exit(1)
      }
    )
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return () => {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}
