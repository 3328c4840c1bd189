/**
 * A1111's extra-network prompt tags: `<lora:NAME>`, `<lora:NAME:0.8>` (UNet and text encoder alike) and
 * `<lora:NAME:0.8:0.3>` (UNet, then text encoder) — `<lyco:…>` is read the same way. The tags stay in the
 * prompt as written (infotext keeps them, as A1111's does) and are removed before tokenizing.
 */

export interface LoraTag {
  readonly name: string
  readonly unet: number
  readonly te: number
  /** The tag as written. */
  readonly text: string
}

export class LoraTagError extends Error {
  constructor(
    readonly tag: string,
    problem: string
  ) {
    super(`${tag}: ${problem}`)
    this.name = 'LoraTagError'
  }
}

const TAG = /<(lora|lyco):([^>]*)>/gi

function weight(tag: string, raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 1
  const v = Number(raw.trim())
  if (!Number.isFinite(v)) throw new LoraTagError(tag, `weight "${raw}" is not a number; write it like <lora:name:0.8>`)
  return v
}

/** The LoRA tags of a prompt, in order; a name given twice has its weights added (as A1111 stacks them). */
export function parseLoraTags(prompt: string): LoraTag[] {
  const out: LoraTag[] = []
  for (const m of prompt.matchAll(TAG)) {
    const text = m[0]
    const parts = m[2].split(':')
    const name = parts[0].trim()
    if (!name) throw new LoraTagError(text, 'has no name; write it like <lora:name:0.8>')
    if (parts.length > 3) throw new LoraTagError(text, 'has more than two weights; write <lora:name:unet:te>')
    const unet = weight(text, parts[1])
    const te = parts.length > 2 ? weight(text, parts[2]) : unet
    out.push({ name, unet, te, text })
  }
  return out
}

/** The prompt without its LoRA tags (what the tokenizer sees). */
export function stripLoraTags(prompt: string): string {
  return prompt.replace(TAG, '')
}

/** A LoRA or embedding file a generation used, by the name the prompt gave it and A1111's short hash. */
export interface UsedNetwork {
  readonly name: string
  readonly hash: string
}

/** The extra networks of one image (infotext "Lora hashes" / "TI hashes", library metadata). */
export interface ExtraNetworks {
  readonly loras?: readonly UsedNetwork[]
  readonly embeddings?: readonly UsedNetwork[]
}

/** `name: hash, name: hash` as A1111 writes "Lora hashes" (before quoting). */
export function formatNetworkHashes(list: readonly UsedNetwork[]): string {
  return list.map((n) => `${n.name.replace(/[:,]/g, '')}: ${n.hash}`).join(', ')
}

/** Reads A1111's "Lora hashes" / "TI hashes" value (already unquoted). */
export function parseNetworkHashes(value: string): UsedNetwork[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const i = part.lastIndexOf(':')
      return i < 0 ? { name: part, hash: '' } : { name: part.slice(0, i).trim(), hash: part.slice(i + 1).trim() }
    })
}

/** Checks an untrusted ExtraNetworks value (stored metadata); undefined when absent or malformed. */
export function validExtraNetworks(v: unknown): ExtraNetworks | undefined {
  if (typeof v !== 'object' || v === null) return undefined
  const list = (x: unknown): UsedNetwork[] | undefined =>
    Array.isArray(x) && x.every((n) => typeof n === 'object' && n !== null && typeof n.name === 'string' && typeof n.hash === 'string')
      ? x.map((n) => ({ name: String(n.name), hash: String(n.hash) }))
      : undefined
  const o = v as Record<string, unknown>
  const loras = list(o.loras)
  const embeddings = list(o.embeddings)
  return loras || embeddings ? { ...(loras ? { loras } : {}), ...(embeddings ? { embeddings } : {}) } : undefined
}

/** A tag for the picker to insert. */
export function loraTag(name: string, weight = 1): string {
  return `<lora:${name}:${weight}>`
}
