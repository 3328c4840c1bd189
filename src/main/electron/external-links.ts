/**
 * Which links the app may hand to the system browser (Electron only; free of electron imports so it
 * is tested under Node). A compromised or tricked page could otherwise ask `shell.openExternal` to open
 * anything — a `file:` path, a custom scheme that starts another program, a phishing page — so only
 * https is ever opened, at once for the hosts the app itself links to, after asking the user for any
 * other host, and never for other schemes or URLs that carry credentials.
 */

/** Hosts (and their subdomains) the app's own pages link to: model and documentation sites. */
export const EXTERNAL_LINK_HOSTS: readonly string[] = ['github.com', 'huggingface.co']

export type ExternalLinkDecision = { action: 'open'; url: string } | { action: 'ask'; url: string; host: string } | { action: 'refuse'; why: string }

export function externalLinkDecision(raw: string, allowed: readonly string[] = EXTERNAL_LINK_HOSTS): ExternalLinkDecision {
  let u: URL
  try {
    u = new URL(raw)
  } catch {
    return { action: 'refuse', why: 'not a valid address' }
  }
  if (u.protocol !== 'https:') return { action: 'refuse', why: `only https links open outside the app, not ${u.protocol}` }
  if (u.username || u.password) return { action: 'refuse', why: 'the address carries a user name or password' }
  const host = u.hostname.toLowerCase()
  if (allowed.some((h) => host === h || host.endsWith(`.${h}`))) return { action: 'open', url: u.href }
  return { action: 'ask', url: u.href, host }
}
