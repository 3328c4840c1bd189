/** What every `studio` command module provides; the dispatcher (../studio.ts) lists them. */
export interface CommandIo {
  out: (line: string) => void
  err: (line: string) => void
}

export interface Command {
  name: string
  /** One line for `studio help`. */
  summary: string
  /** Full usage text for `studio <command> --help`. */
  usage: string
  /** Runs the command; returns the exit code. Throws user-facing errors for the dispatcher to print. */
  run(argv: readonly string[], io: CommandIo): Promise<number>
}
