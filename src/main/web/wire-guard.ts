/**
 * Bounds on what one WebSocket message may make the host do before a validator sees it. JSON.parse
 * of a message that is small in bytes can still cost seconds (millions of tiny nested objects, each
 * visited again by the wire reviver) and deep nesting can overflow the stack of every recursive walk
 * after it. So the text is scanned once, in linear time and without allocating, and refused when it
 * nests deeper or holds more objects and arrays than any real call needs. Strings cost nothing here:
 * the one large call, img2img, carries its init image as one base64 string.
 */

export interface WireShapeLimits {
  /** Deepest nesting of objects and arrays. */
  maxDepth: number
  /** Objects and arrays in the whole message. */
  maxContainers: number
}

/**
 * A real call nests about 6 deep (payload → params → img2img → …) and holds a few hundred containers
 * at most (a sweep of 64 cells, a 10,000-entry queue reorder is one array of strings).
 */
export const WIRE_LIMITS: WireShapeLimits = { maxDepth: 32, maxContainers: 20_000 }

/** Why the text may not be parsed, or null when it is within the limits (it may still be bad JSON). */
export function wireShapeProblem(text: string, limits: WireShapeLimits = WIRE_LIMITS): string | null {
  let depth = 0
  let containers = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
      continue
    }
    if (c === 0x22) inString = true
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limits.maxDepth) return `nests deeper than ${limits.maxDepth} levels`
      if (++containers > limits.maxContainers) return `holds more than ${limits.maxContainers} objects and arrays`
    } else if (c === 0x7d || c === 0x5d) depth--
  }
  return null
}
