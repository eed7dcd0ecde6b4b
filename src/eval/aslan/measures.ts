/**
 * The 12 (dis)similarity measures of the ASLAN benchmark (Kliper-Gross, Hassner & Wolf, TPAMI 2012,
 * table 3) between two descriptors x₁, x₂, as C3D §5 uses them (12 per feature type).
 *
 *  1. Σ x₁x₂                       7. Σ |x₁−x₂|
 *  2. √(Σ x₁x₂)                    8. √(Σ (√x₁−√x₂)²)
 *  3. √(Σ √x₁√x₂)                  9. √(Σ (x₁−x₂)²)                         ┐ on L1-normalised
 *  4. √(Σ x₁x₂/(x₁+x₂))           10. ½(Σ x₁log(x₁/x₂) + Σ x₂log(x₂/x₁))    │ copies ("the vectors
 *  5. Σ x₁x₂ / (‖x₁‖‖x₂‖)          11. Σ √max(x₁,x₂)/√(x₁+x₂)              │ were normalised before
 *  6. √(Σ (x₁−x₂)²/(x₁+x₂))       12. Σ min(x₁,x₂) / (Σx₁·Σx₂)              ┘ the last four rows")
 *
 * Choices the original leaves open (its code is not public):
 *  - Domain: measures 2–4, 6, 8, 10–12 take roots/logs of entries and need x ≥ 0. C3D's prob, fc7,
 *    fc6 (post-ReLU) and pool5 are non-negative; for signed inputs the negative entries are clamped
 *    to 0 for every measure except 1, 5, 7 (which are defined on any reals and use the raw values).
 *    Measure 9 is computed on the (clamped) L1-normalised copies like 10–12.
 *  - "Normalised" before the last four rows is read as L1 (sum-to-one), the normalisation that makes
 *    10 a KL divergence between distributions; an all-zero vector stays all-zero.
 *  - Square roots of sums (2) use √max(0, ·).
 *  - Divisions by x₁+x₂ (4, 6, 11): terms with x₁+x₂ = 0 contribute 0 (their limit for 4 and 6).
 *  - Logs (10): every entry gets ε = 1e-10 added, i.e. Σ ½(x₁−x₂)(log(x₁+ε) − log(x₂+ε)), which is
 *    finite where one side is 0 and exactly 0 where both are.
 *  - Zero norms (5) and zero sums (12): the measure is 0.
 */

export const MEASURE_COUNT = 12;
export const KL_EPSILON = 1e-10;

/** Writes the 12 measures of (a, b) into out[offset … offset+11]; returns out. */
export function aslanMeasures(a: ArrayLike<number>, b: ArrayLike<number>, out: Float64Array = new Float64Array(12), offset = 0): Float64Array {
  const n = a.length;
  if (b.length !== n) throw new Error(`ASLAN measures: descriptors have dims ${n} and ${b.length}`);
  let dotRaw = 0, na = 0, nb = 0, l1 = 0;
  let dotPos = 0, sqrtProd = 0, harm = 0, chi = 0, hell = 0, sumA = 0, sumB = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i]!, y = b[i]!;
    dotRaw += x * y;
    na += x * x;
    nb += y * y;
    l1 += Math.abs(x - y);
    const p = x > 0 ? x : 0, q = y > 0 ? y : 0;
    dotPos += p * q;
    sqrtProd += Math.sqrt(p * q);
    const s = p + q;
    if (s > 0) {
      harm += (p * q) / s;
      chi += ((p - q) * (p - q)) / s;
    }
    hell += (Math.sqrt(p) - Math.sqrt(q)) ** 2;
    sumA += p;
    sumB += q;
  }
  // Rows 9–12 on L1-normalised, clamped copies.
  const ia = sumA > 0 ? 1 / sumA : 0, ib = sumB > 0 ? 1 / sumB : 0;
  let eu = 0, kl = 0, mx = 0, mn = 0, sa = 0, sb = 0;
  for (let i = 0; i < n; i++) {
    const p = (a[i]! > 0 ? a[i]! : 0) * ia, q = (b[i]! > 0 ? b[i]! : 0) * ib;
    eu += (p - q) * (p - q);
    kl += 0.5 * (p - q) * (Math.log(p + KL_EPSILON) - Math.log(q + KL_EPSILON));
    const s = p + q;
    if (s > 0) mx += Math.sqrt(Math.max(p, q)) / Math.sqrt(s);
    mn += Math.min(p, q);
    sa += p;
    sb += q;
  }
  out[offset] = dotRaw;
  out[offset + 1] = Math.sqrt(Math.max(0, dotPos));
  out[offset + 2] = Math.sqrt(sqrtProd);
  out[offset + 3] = Math.sqrt(harm);
  out[offset + 4] = na > 0 && nb > 0 ? dotRaw / (Math.sqrt(na) * Math.sqrt(nb)) : 0;
  out[offset + 5] = Math.sqrt(chi);
  out[offset + 6] = l1;
  out[offset + 7] = Math.sqrt(hell);
  out[offset + 8] = Math.sqrt(eu);
  out[offset + 9] = kl;
  out[offset + 10] = mx;
  out[offset + 11] = sa > 0 && sb > 0 ? mn / (sa * sb) : 0;
  return out;
}
