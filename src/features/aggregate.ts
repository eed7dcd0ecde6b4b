/**
 * Per-video descriptors from per-clip features (a clips × dim row-major matrix).
 * - video: mean over clips, then L2 normalisation (paper §3.3, the C3D descriptor);
 * - segments: UCF-Crime's 32 segments — boundaries round(linspace(1, N, S+1)), each segment's clips
 *   averaged then L2-normalised (Sultani et al.'s convention, 1-based as in their MATLAB code).
 */

/** A row-major clips × dim matrix of one layer's features. */
export interface ClipFeatures {
  clips: number;
  dim: number;
  data: Float32Array;
}

/** Scales `v` in place to unit L2 norm (float64 accumulation); an all-zero vector stays zero. */
export function l2NormalizeInPlace(v: Float32Array): Float32Array {
  let ss = 0;
  for (let i = 0; i < v.length; i++) ss += v[i] * v[i];
  if (ss > 0) {
    const inv = 1 / Math.sqrt(ss);
    for (let i = 0; i < v.length; i++) v[i] *= inv;
  }
  return v;
}

/** Mean of rows [from, to) (float64 accumulation). */
function meanRows(f: ClipFeatures, from: number, to: number): Float32Array {
  const acc = new Float64Array(f.dim);
  for (let r = from; r < to; r++) {
    const row = r * f.dim;
    for (let j = 0; j < f.dim; j++) acc[j] += f.data[row + j];
  }
  const n = to - from;
  const out = new Float32Array(f.dim);
  for (let j = 0; j < f.dim; j++) out[j] = acc[j] / n;
  return out;
}

/** The C3D video descriptor: mean over all clips, then L2-normalised. Shape (dim,). */
export function videoDescriptor(f: ClipFeatures): Float32Array {
  if (f.clips < 1) throw new Error('videoDescriptor: no clips');
  return l2NormalizeInPlace(meanRows(f, 0, f.clips));
}

/** MATLAB-style round (half away from zero) of linspace(a, b, n). */
function roundLinspace(a: number, b: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = n === 1 ? b : a + ((b - a) * i) / (n - 1);
    out.push(Math.sign(v) * Math.round(Math.abs(v)));
  }
  return out;
}

/**
 * UCF-Crime segment features, shape (segments × dim). With N clips, boundaries
 * b = round(linspace(1, N, S+1)); segment i averages clips b[i]..b[i+1]−1 (1-based), or just clip b[i]
 * when that range is empty (fewer clips than segments), as in the original MATLAB code.
 */
export function segmentFeatures(f: ClipFeatures, segments = 32): Float32Array {
  if (!Number.isSafeInteger(segments) || segments < 1) throw new RangeError(`--segments must be a positive integer, got ${segments}`);
  if (f.clips < 1) throw new Error('segmentFeatures: no clips');
  const b = roundLinspace(1, f.clips, segments + 1);
  const out = new Float32Array(segments * f.dim);
  for (let i = 0; i < segments; i++) {
    let from = b[i] - 1;
    let to = b[i + 1] - 1;
    if (to <= from) to = from + 1;
    from = Math.min(from, f.clips - 1);
    to = Math.min(to, f.clips);
    out.set(l2NormalizeInPlace(meanRows(f, from, to)), i * f.dim);
  }
  return out;
}

/** Mean of per-clip probabilities (video-level prediction, paper Table 2). */
export function meanOverClips(f: ClipFeatures): Float32Array {
  return meanRows(f, 0, f.clips);
}
