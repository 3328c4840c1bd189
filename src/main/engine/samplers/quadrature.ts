/** Gauss–Legendre quadrature, shared by lms (its multistep coefficients) and deis (its coefficient integrals). */

export interface Quadrature {
  nodes: Float64Array
  weights: Float64Array
}

const RULES = new Map<number, Quadrature>()

/** Gauss–Legendre nodes and weights on [-1, 1] (Newton's method on P_n from the Chebyshev-like initial guess). */
export function gaussLegendre(n: number): Quadrature {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`gaussLegendre: n must be a positive integer, got ${n}`)
  const cached = RULES.get(n)
  if (cached) return cached
  const nodes = new Float64Array(n)
  const weights = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5))
    let dp = 1
    for (let iter = 0; iter < 100; iter++) {
      // Three-term recurrence for P_n(z) and P_{n-1}(z).
      let p0 = 1
      let p1 = z
      for (let k = 2; k <= n; k++) {
        const p2 = ((2 * k - 1) * z * p1 - (k - 1) * p0) / k
        p0 = p1
        p1 = p2
      }
      // p1 = P_n(z), p0 = P_{n-1}(z); P_n'(z) from the derivative identity.
      dp = (n * (z * p1 - p0)) / (z * z - 1)
      const dz = p1 / dp
      z -= dz
      if (Math.abs(dz) < 1e-15) break
    }
    nodes[i] = z
    weights[i] = 2 / ((1 - z * z) * dp * dp)
  }
  const rule = { nodes, weights }
  RULES.set(n, rule)
  return rule
}
