/**
 * Adaptive Gauss–Kronrod (7/15-point) quadrature in float64, for the closed-form test bed: 1-D
 * expectations over a Gaussian mixture, where the responsibilities switch sharply and a fixed rule
 * (Gauss–Hermite) is not accurate enough (SCHEDULES.md 2.1).
 */

// QUADPACK qk15 abscissae (positive half, descending) and weights.
const XGK = [
  0.991455371120812639206854697526329, 0.949107912342758524526189684047851, 0.864864423359769072789712788640926,
  0.741531185599394439863864773280788, 0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
  0.207784955007898467600689403773245, 0.0
]
const WGK = [
  0.02293532201052922496373200805897, 0.063092092629978553290700663189204, 0.104790010322250183839876322541518,
  0.140653259715525918745189590510238, 0.16900472663926790282658342659855, 0.190350578064785409913256402421014,
  0.204432940075298892414161999234649, 0.209482141084727828012999174891714
]
// 7-point Gauss weights for XGK[1], XGK[3], XGK[5] and XGK[7] (= 0).
const WG = [0.129484966168869693270611432679082, 0.27970539148927666790146777142378, 0.381830050505118944950369775488975, 0.417959183673469387755102040816327]

/** One 15-point Kronrod estimate and its difference to the embedded 7-point Gauss rule. */
export function gaussKronrod15(f: (x: number) => number, a: number, b: number): { value: number; error: number } {
  const c = 0.5 * (a + b)
  const h = 0.5 * (b - a)
  const fc = f(c)
  let k = fc * WGK[7]
  let g = fc * WG[3]
  for (let j = 0; j < 7; j++) {
    const dx = h * XGK[j]
    const s = f(c - dx) + f(c + dx)
    k += WGK[j] * s
    if (j % 2 === 1) g += WG[(j - 1) / 2] * s
  }
  return { value: k * h, error: Math.abs((k - g) * h) }
}

/**
 * ∫_a^b f by recursive bisection until each piece's Kronrod–Gauss difference is below its share of
 * `absTol` or `relTol`·|piece|. Intended for smooth integrands; `maxDepth` bounds the recursion.
 */
export function integrate(
  f: (x: number) => number,
  a: number,
  b: number,
  opts: { absTol?: number; relTol?: number; maxDepth?: number } = {}
): number {
  const absTol = opts.absTol ?? 1e-15
  const relTol = opts.relTol ?? 1e-13
  const maxDepth = opts.maxDepth ?? 40
  const rec = (lo: number, hi: number, tol: number, depth: number, est: { value: number; error: number }): number => {
    if (est.error <= Math.max(tol, relTol * Math.abs(est.value)) || depth >= maxDepth) return est.value
    const mid = 0.5 * (lo + hi)
    const l = gaussKronrod15(f, lo, mid)
    const r = gaussKronrod15(f, mid, hi)
    return rec(lo, mid, tol / 2, depth + 1, l) + rec(mid, hi, tol / 2, depth + 1, r)
  }
  return rec(a, b, absTol, 0, gaussKronrod15(f, a, b))
}

/** ∫ over [a, b] split at the given interior points (those outside (a, b) are ignored). */
export function integrateSplit(f: (x: number) => number, a: number, b: number, splits: readonly number[], opts?: { absTol?: number; relTol?: number }): number {
  const pts = [a, ...splits.filter((s) => s > a && s < b).sort((p, q) => p - q), b]
  let sum = 0
  for (let i = 0; i + 1 < pts.length; i++) if (pts[i + 1] > pts[i]) sum += integrate(f, pts[i], pts[i + 1], opts)
  return sum
}
