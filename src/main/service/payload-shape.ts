/**
 * A bound on the shape of an untrusted payload (an IPC call's structured-clone value, or a decoded
 * WebSocket message) before any validator walks it: validators recurse, and a payload nested
 * thousands deep or holding millions of tiny objects would overflow the stack or hold the main thread
 * for seconds. Byte arrays (an init image) count as one value whatever their size.
 */
export const PAYLOAD_LIMITS = { maxDepth: 32, maxValues: 50_000 }

/** Why the payload is refused, or null. Iterative, and stops at the first limit it meets. */
export function payloadShapeProblem(value: unknown, limits = PAYLOAD_LIMITS): string | null {
  const stack: Array<[unknown, number]> = [[value, 0]]
  let values = 0
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!
    if (++values > limits.maxValues) return `holds more than ${limits.maxValues} values`
    if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v) || v instanceof ArrayBuffer) continue
    if (depth >= limits.maxDepth) return `nests deeper than ${limits.maxDepth} levels`
    const children = Array.isArray(v) ? v : Object.values(v as Record<string, unknown>)
    if (children.length > limits.maxValues) return `holds more than ${limits.maxValues} values`
    for (const c of children) stack.push([c, depth + 1])
  }
  return null
}
