/**
 * Naive float64 loop nests for the fast-path sanity tests: each op written straight from its
 * definition (direct sums over the window, no im2col, no flipping), independent of both kernel paths.
 */
export interface Geometry {
  stride: readonly [number, number, number];
  pad: readonly [number, number, number];
}

const outSize = (n: number, k: number, s: number, p: number) => Math.floor((n + 2 * p - k) / s) + 1;

/** Visits every (n, o, output position, c, kernel tap) with in-range input index; `f(yIndex, xIndex, wIndex)`. */
function eachTap(x: readonly number[], w: readonly number[], g: Geometry, f: (yi: number, xi: number, wi: number) => void): number[] {
  const [N, C, D, H, W] = x;
  const [O, , kd, kh, kw] = w;
  const Do = outSize(D, kd, g.stride[0], g.pad[0]);
  const Ho = outSize(H, kh, g.stride[1], g.pad[1]);
  const Wo = outSize(W, kw, g.stride[2], g.pad[2]);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let od = 0; od < Do; od++)
        for (let oh = 0; oh < Ho; oh++)
          for (let ow = 0; ow < Wo; ow++) {
            const yi = (((n * O + o) * Do + od) * Ho + oh) * Wo + ow;
            for (let c = 0; c < C; c++)
              for (let a = 0; a < kd; a++)
                for (let b = 0; b < kh; b++)
                  for (let e = 0; e < kw; e++) {
                    const id = od * g.stride[0] - g.pad[0] + a;
                    const ih = oh * g.stride[1] - g.pad[1] + b;
                    const iw = ow * g.stride[2] - g.pad[2] + e;
                    if (id < 0 || id >= D || ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                    f(yi, (((n * C + c) * D + id) * H + ih) * W + iw, (((o * C + c) * kd + a) * kh + b) * kw + e);
                  }
          }
  return [N, O, Do, Ho, Wo];
}

export function convForward(x: Float32Array, xs: number[], w: Float32Array, ws: number[], b: Float32Array | null, g: Geometry) {
  const probe = eachTap(xs, ws, g, () => {});
  const y = new Float64Array(probe.reduce((p, d) => p * d, 1));
  eachTap(xs, ws, g, (yi, xi, wi) => (y[yi] += x[xi] * w[wi]));
  if (b !== null) {
    const per = probe[2] * probe[3] * probe[4];
    for (let i = 0; i < y.length; i++) y[i] += b[Math.floor(i / per) % probe[1]];
  }
  return { y, shape: probe };
}

export function convBackwardInput(dy: Float32Array, w: Float32Array, ws: number[], xs: number[], g: Geometry): Float64Array {
  const dx = new Float64Array(xs.reduce((p, d) => p * d, 1));
  eachTap(xs, ws, g, (yi, xi, wi) => (dx[xi] += dy[yi] * w[wi]));
  return dx;
}

export function convBackwardWeight(x: Float32Array, xs: number[], dy: Float32Array, ws: number[], g: Geometry): Float64Array {
  const dw = new Float64Array(ws.reduce((p, d) => p * d, 1));
  eachTap(xs, ws, g, (yi, xi, wi) => (dw[wi] += dy[yi] * x[xi]));
  return dw;
}

/** Max pooling by definition: every window clipped to the input, first maximum wins. */
export function poolForward(
  x: Float32Array, xs: number[], k: readonly number[], s: readonly number[], p: readonly number[], out: readonly number[],
) {
  const [N, C, D, H, W] = xs;
  const y: number[] = [];
  const argmax: number[] = [];
  for (let nc = 0; nc < N * C; nc++)
    for (let od = 0; od < out[0]; od++)
      for (let oh = 0; oh < out[1]; oh++)
        for (let ow = 0; ow < out[2]; ow++) {
          let best = -Infinity;
          let arg = -1;
          for (let d = od * s[0] - p[0]; d < od * s[0] - p[0] + k[0]; d++)
            for (let h = oh * s[1] - p[1]; h < oh * s[1] - p[1] + k[1]; h++)
              for (let w = ow * s[2] - p[2]; w < ow * s[2] - p[2] + k[2]; w++) {
                if (d < 0 || d >= D || h < 0 || h >= H || w < 0 || w >= W) continue;
                const v = x[nc * D * H * W + (d * H + h) * W + w];
                if (v > best) {
                  best = v;
                  arg = (d * H + h) * W + w;
                }
              }
          y.push(best);
          argmax.push(arg);
        }
  return { y, argmax };
}

/** C (M×N) = A (M×K) · B (K×N), all row-major. */
export function matmul(a: ArrayLike<number>, b: ArrayLike<number>, M: number, K: number, N: number): Float64Array {
  const c = new Float64Array(M * N);
  for (let i = 0; i < M; i++) for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) c[i * N + j] += a[i * K + k] * b[k * N + j];
  return c;
}

export function transpose(a: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
  return t;
}
