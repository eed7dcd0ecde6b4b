/**
 * Output-size formulas shared by every kernel path (reference and fast) and by the net builders.
 * Each returns the size along one axis, or a value ≤ 0 when the window does not fit; callers
 * turn that into a ShapeError naming the op.
 */
import type { Pool3dParams, Triple } from '../api.js';

/** Convolution (Caffe and PyTorch agree): floor((in + 2·pad − k) / stride) + 1. */
export function convOutputSize(input: number, kernel: number, stride: number, pad: number): number {
  return Math.floor((input + 2 * pad - kernel) / stride) + 1;
}

/**
 * Max-pooling output size for one axis.
 *
 * - `'floor'` is PyTorch's default (ceil_mode=False): floor((in + 2·pad − k) / stride) + 1.
 * - `'ceil'` is Caffe's Pooling3D and PyTorch's ceil_mode=True: ceil((in + 2·pad − k) / stride) + 1,
 *   then one window fewer if the last would start at or past the end of the input plus its
 *   padding — (out − 1)·stride ≥ in + pad. PyTorch applies that rule always; Caffe's 2D pooling
 *   only when pad > 0, and C3D's Pooling3D has no pad at all. The two agree whenever stride ≤ kernel
 *   (every C3D pool), so we use PyTorch's form, which never produces a window that lies wholly
 *   outside the input.
 *
 * Example: C3D's pool5 (k 2, s 2, pad 0, ceil) maps 7 → 4, windows {0,1},{2,3},{4,5},{6}.
 */
export function poolOutputSize(
  input: number,
  kernel: number,
  stride: number,
  pad: number,
  rounding: Pool3dParams['rounding'],
): number {
  const span = input + 2 * pad - kernel;
  if (rounding === 'floor') return Math.floor(span / stride) + 1;
  let out = Math.ceil(span / stride) + 1;
  if ((out - 1) * stride >= input + pad) out -= 1;
  return out;
}

/** Conv output (D', H', W') for input spatial dims (D, H, W). */
export function conv3dOutputDims(inDims: Triple, kernel: Triple, stride: Triple, pad: Triple): Triple {
  return [
    convOutputSize(inDims[0], kernel[0], stride[0], pad[0]),
    convOutputSize(inDims[1], kernel[1], stride[1], pad[1]),
    convOutputSize(inDims[2], kernel[2], stride[2], pad[2]),
  ];
}

/** Pool output (D', H', W') for input spatial dims (D, H, W). */
export function pool3dOutputDims(inDims: Triple, p: Pool3dParams): Triple {
  return [
    poolOutputSize(inDims[0], p.kernel[0], p.stride[0], p.pad[0], p.rounding),
    poolOutputSize(inDims[1], p.kernel[1], p.stride[1], p.pad[1], p.rounding),
    poolOutputSize(inDims[2], p.kernel[2], p.stride[2], p.pad[2], p.rounding),
  ];
}
