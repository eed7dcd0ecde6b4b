/**
 * Bilinear resize of 8-bit interleaved images with exactly the arithmetic of OpenCV's
 * `cv::resize(..., INTER_LINEAR)` (imgproc/src/resize.cpp), the resize Caffe's C3D data layer runs
 * on every frame (to 171×128). OpenCV works in fixed point for 8-bit images:
 * - per output column/row, float coefficients (1-f, f) scaled by INTER_RESIZE_COEF_SCALE = 2^11 and
 *   rounded (cvRound, ties to even) to int16;
 * - horizontal pass: int32 sums S[sx]·α0 + S[sx+cn]·α1;
 * - vertical pass: ((((S0>>4)·β0)>>16) + (((S1>>4)·β1)>>16) + 2) >> 2. This is the formula of the SIMD
 *   kernel (VResizeLinearVec_32s8u) and of OpenCV's uchar specialisation of VResizeLinear for the row
 *   tail — not the generic FixedPtCast (S0·β0 + S1·β1 + 2^21) >> 22, which is off by one grey level on
 *   ~0.03% of values. Checked bit-exact against Debian's OpenCV 4.6 (test/video/resize.test.ts).
 */

const COEF_BITS = 11;
const COEF_SCALE = 1 << COEF_BITS;

/** An 8-bit interleaved image (row-major, `channels` bytes per pixel, no row padding). */
export interface Image8 {
  width: number;
  height: number;
  channels: number;
  data: Uint8Array;
}

/** cvRound: round half to even (what lrint does in the default rounding mode). */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function toFixed(c: number): number {
  // saturate_cast<short>(float): the product is a float32 (exact: power-of-two scale).
  return Math.max(-32768, Math.min(32767, roundHalfEven(Math.fround(c * COEF_SCALE))));
}

/** One axis of the resize: source index and the two fixed-point weights per output index. */
interface AxisTable {
  ofs: Int32Array;
  w0: Int16Array;
  w1: Int16Array;
}

/**
 * Coefficients along one axis. Columns clamp the index and force f = 0 at the borders;
 * rows keep the raw f and clamp the row index later (OpenCV treats the two axes differently).
 */
function axisTable(srcSize: number, dstSize: number, clampWeights: boolean): AxisTable {
  // OpenCV: inv_scale = dst/src, scale = 1/inv_scale (both double), f computed in double then cast to float.
  const scale = 1 / (dstSize / srcSize);
  const ofs = new Int32Array(dstSize);
  const w0 = new Int16Array(dstSize);
  const w1 = new Int16Array(dstSize);
  for (let d = 0; d < dstSize; d++) {
    let f = Math.fround((d + 0.5) * scale - 0.5);
    let s = Math.floor(f);
    f = Math.fround(f - s);
    if (clampWeights) {
      if (s < 0) {
        f = 0;
        s = 0;
      }
      if (s >= srcSize - 1) {
        f = 0;
        s = srcSize - 1;
      }
    }
    ofs[d] = s;
    w0[d] = toFixed(Math.fround(1 - f));
    w1[d] = toFixed(f);
  }
  return { ofs, w0, w1 };
}

/** Arithmetic shift right then saturate to int16, as v_pack(v_shr<4>(x)) does. */
function packShr4(v: number): number {
  const s = v >> 4;
  return s > 32767 ? 32767 : s < -32768 ? -32768 : s;
}

function satU8(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

function satI16(v: number): number {
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}

/**
 * A resizer for one (source size → destination size) pair; tables are computed once and reused
 * for every frame of a video.
 */
export class LinearResizer {
  private readonly xt: AxisTable;
  private readonly yt: AxisTable;
  private readonly rowA: Int32Array;
  private readonly rowB: Int32Array;

  constructor(
    readonly srcWidth: number,
    readonly srcHeight: number,
    readonly dstWidth: number,
    readonly dstHeight: number,
    readonly channels: number,
  ) {
    for (const [name, v] of [['srcWidth', srcWidth], ['srcHeight', srcHeight], ['dstWidth', dstWidth], ['dstHeight', dstHeight], ['channels', channels]] as const) {
      if (!Number.isSafeInteger(v) || v <= 0) throw new RangeError(`resize: ${name} must be a positive integer, got ${v}`);
    }
    this.xt = axisTable(srcWidth, dstWidth, true);
    this.yt = axisTable(srcHeight, dstHeight, false);
    const rowLen = dstWidth * channels;
    this.rowA = new Int32Array(rowLen);
    this.rowB = new Int32Array(rowLen);
  }

  /** Horizontal pass of source row `sy`, dst columns [x0, x0+w), into `out` (int32 per column and channel). */
  private hresize(src: Uint8Array, sy: number, out: Int32Array, x0: number, w: number): void {
    const { ofs, w0, w1 } = this.xt;
    const cn = this.channels;
    const rowStart = sy * this.srcWidth * cn;
    const last = this.srcWidth - 1;
    for (let dx = x0, o = 0; dx < x0 + w; dx++) {
      const sx = ofs[dx];
      const a0 = w0[dx];
      const a1 = w1[dx];
      const p = rowStart + sx * cn;
      if (sx >= last) {
        // OpenCV's xmax branch: only the clamped pixel, times ONE.
        for (let c = 0; c < cn; c++) out[o++] = src[p + c] * COEF_SCALE;
      } else {
        for (let c = 0; c < cn; c++) out[o++] = src[p + c] * a0 + src[p + cn + c] * a1;
      }
    }
  }

  /** Resizes `src` (srcWidth×srcHeight×channels bytes) into `dst` (dstWidth×dstHeight×channels). */
  resize(src: Uint8Array, dst: Uint8Array = new Uint8Array(this.dstWidth * this.dstHeight * this.channels)): Uint8Array {
    if (dst.length !== this.dstWidth * this.dstHeight * this.channels) {
      throw new RangeError(`resize: destination has ${dst.length} bytes, expected ${this.dstWidth}×${this.dstHeight}×${this.channels}`);
    }
    this.resizeRegion(src, dst, 0, 0, this.dstWidth, this.dstHeight);
    return dst;
  }

  /**
   * Computes only the `w`×`h` window at (x0, y0) of the resized image into `dst` (w×h×channels):
   * exactly those pixels of `resize` (each output pixel depends only on its own coefficients), at a
   * fraction of the cost when only a crop is needed (C3D keeps 112×112 of 171×128).
   */
  resizeRegion(src: Uint8Array, dst: Uint8Array, x0: number, y0: number, w: number, h: number): Uint8Array {
    const cn = this.channels;
    if (src.length !== this.srcWidth * this.srcHeight * cn) {
      throw new RangeError(`resize: source has ${src.length} bytes, expected ${this.srcWidth}×${this.srcHeight}×${cn}`);
    }
    if (!(x0 >= 0 && y0 >= 0 && w > 0 && h > 0 && x0 + w <= this.dstWidth && y0 + h <= this.dstHeight)) {
      throw new RangeError(`resize: window ${w}×${h} at (${x0}, ${y0}) is outside ${this.dstWidth}×${this.dstHeight}`);
    }
    if (dst.length !== w * h * cn) throw new RangeError(`resize: destination has ${dst.length} bytes, expected ${w}×${h}×${cn}`);
    const { ofs, w0, w1 } = this.yt;
    const rowLen = w * cn;
    const lastRow = this.srcHeight - 1;
    let rowAIdx = -1;
    let rowBIdx = -1;
    let A = this.rowA;
    let B = this.rowB;
    for (let dy = y0; dy < y0 + h; dy++) {
      const ya = Math.min(Math.max(ofs[dy], 0), lastRow);
      const yb = Math.min(Math.max(ofs[dy] + 1, 0), lastRow);
      // Reuse horizontally resized rows between consecutive output rows.
      if (rowAIdx !== ya) {
        if (rowBIdx === ya) {
          [A, B] = [B, A];
          rowAIdx = ya;
          rowBIdx = -1;
        } else {
          this.hresize(src, ya, A, x0, w);
          rowAIdx = ya;
        }
      }
      if (rowBIdx !== yb) {
        if (yb === ya) B.set(A.subarray(0, rowLen));
        else this.hresize(src, yb, B, x0, w);
        rowBIdx = yb;
      }
      const b0 = w0[dy];
      const b1 = w1[dy];
      const o = (dy - y0) * rowLen;
      for (let x = 0; x < rowLen; x++) {
        // v_mul_hi on int16: high 16 bits of the 32-bit product (arithmetic shift); v_add saturates.
        const t = satI16(((packShr4(A[x]) * b0) >> 16) + ((packShr4(B[x]) * b1) >> 16));
        dst[o + x] = satU8((t + 2) >> 2);
      }
    }
    return dst;
  }
}

/** One-shot helper: resizes an image with OpenCV INTER_LINEAR arithmetic. */
export function resizeLinear(img: Image8, dstWidth: number, dstHeight: number): Image8 {
  const r = new LinearResizer(img.width, img.height, dstWidth, dstHeight, img.channels);
  return { width: dstWidth, height: dstHeight, channels: img.channels, data: r.resize(img.data) };
}
