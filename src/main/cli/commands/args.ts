/**
 * A small, strict argument parser for studio commands: `--name value`, `--name=value` and boolean
 * `--flag`s, each declared with its type. Unknown options and bad values are CliUsageErrors naming the
 * option, so a typo is reported instead of ignored.
 */

export class CliUsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CliUsageError'
  }
}

/** 'list': a string option that may be given more than once (kept in order). */
export type OptionType = 'string' | 'number' | 'int' | 'flag' | 'list'
export type OptionSpec = Readonly<Record<string, { type: OptionType; help: string; value?: string }>>
export type ParsedOptions = Record<string, string | number | boolean | string[] | undefined>

export function parseOptions(argv: readonly string[], spec: OptionSpec): { options: ParsedOptions; positional: string[] } {
  const options: ParsedOptions = {}
  const positional: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (!a.startsWith('--')) {
      positional.push(a)
      continue
    }
    const eq = a.indexOf('=')
    const name = a.slice(2, eq < 0 ? undefined : eq)
    const s = spec[name]
    if (!s) throw new CliUsageError(`unknown option --${name}; known options: ${Object.keys(spec).map((k) => `--${k}`).join(', ')}`)
    if (s.type === 'flag') {
      if (eq >= 0) throw new CliUsageError(`--${name} takes no value`)
      options[name] = true
      continue
    }
    let raw: string | undefined = eq >= 0 ? a.slice(eq + 1) : argv[++i]
    if (raw === undefined) throw new CliUsageError(`--${name} needs a value (${s.value ?? s.type})`)
    if (s.type === 'string') options[name] = raw
    else if (s.type === 'list') options[name] = [...((options[name] as string[] | undefined) ?? []), raw]
    else {
      raw = raw.trim()
      const v = Number(raw)
      if (raw === '' || !Number.isFinite(v)) throw new CliUsageError(`--${name} must be a number, got "${raw}"`)
      if (s.type === 'int' && !Number.isInteger(v)) throw new CliUsageError(`--${name} must be a whole number, got "${raw}"`)
      options[name] = v
    }
  }
  return { options, positional }
}

/** Help lines for an option table. */
export function formatOptions(spec: OptionSpec): string {
  const rows = Object.entries(spec).map(([k, s]) => [`--${k}${s.type === 'flag' ? '' : ` ${s.value ?? s.type.toUpperCase()}`}`, s.help])
  const width = Math.max(...rows.map((r) => r[0].length))
  return rows.map(([a, b]) => `  ${a.padEnd(width)}  ${b}`).join('\n')
}
