// Entry point of the compute core. Each thread owns an instance of this module over one shared memory;
// the host fills a task block (see params.ts) and calls `run(block)` on every thread with its own range.
import * as P from './params';
import * as G from './geometry';
import { KC, MC, MR, NC, A_PREPACKED, A_STRIDED, B_IM2COL, B_IM2COL_T, B_STRIDED, gemmBlocked, packAFull, roundUpMR, setA, setRelu, setB, setTile } from './gemm';
import { poolBackward, poolForward } from './pool';

/** Blocking constants the host needs to size the per-thread packing buffers. */
export const KC_SIZE: i32 = KC;
export const MC_SIZE: i32 = MC;
export const NC_SIZE: i32 = NC;
export const MR_SIZE: i32 = MR;

export function heapBase(): usize {
  return __heap_base;
}

/**
 * Runs the task in `block`. With S_COUNTER = 0 it computes the block's own [m0, m1) × [n0, n1).
 * Otherwise every thread gets the same range and they share it dynamically: each claims the next
 * S_CHUNK rows (S_AXIS = 0) or columns (1) through an atomic counter until none are left, so a thread
 * that gets less CPU time (a busy machine) simply claims fewer chunks.
 */
export function run(block: usize): void {
  const counter = <usize>P.slot(block, P.S_COUNTER);
  const m0 = P.slot(block, P.S_M0);
  const m1 = P.slot(block, P.S_M1);
  const n0 = P.slot(block, P.S_N0);
  const n1 = P.slot(block, P.S_N1);
  if (counter == 0) {
    runRange(block, m0, m1, n0, n1);
    return;
  }
  const chunk = P.slot(block, P.S_CHUNK);
  const byRows = P.slot(block, P.S_AXIS) == 0;
  const lo = byRows ? m0 : n0;
  const hi = byRows ? m1 : n1;
  while (true) {
    const start = lo + atomic.add<i32>(counter, 1) * chunk;
    if (start >= hi) break;
    const end = min(hi, start + chunk);
    if (byRows) runRange(block, start, end, n0, n1);
    else runRange(block, m0, m1, start, end);
  }
}

function runRange(block: usize, m0: i32, m1: i32, n0: i32, n1: i32): void {
  const op = P.slot(block, P.S_OP);
  const M = P.slot(block, P.S_M);
  const N = P.slot(block, P.S_N);
  const K = P.slot(block, P.S_K);
  const c = <usize>P.slot(block, P.S_C);
  const ldc = P.slot(block, P.S_LDC);
  const bufA = <usize>P.slot(block, P.S_BUFA);
  const bufB = <usize>P.slot(block, P.S_BUFB);
  setTile(<usize>P.slot(block, P.S_TILE));
  setRelu(op == P.OP_CONV_FORWARD && P.slot(block, P.S_RELU) == 1);
  if (op == P.OP_CONV_FORWARD) {
    // y_n (M=O × N=P) = bias + Wpacked (O × CK) · col(x_n) (CK × P), block [m0, m1) × [n0, n1).
    // S_BIAS points at O rounded up to MR values (zeros when the layer has no bias).
    G.loadGeometry(block);
    setA(<usize>P.slot(block, P.S_A), 0, 0, roundUpMR(M));
    const batch = P.slot(block, P.S_BATCH);
    const xs = <usize>P.slot(block, P.S_X_STRIDE) << 2;
    const cs = <usize>P.slot(block, P.S_C_STRIDE) << 2;
    const bias = <usize>P.slot(block, P.S_BIAS);
    for (let b = 0; b < batch; b++) {
      G.gX = <usize>P.slot(block, P.S_X) + <usize>b * xs;
      const cb = c + <usize>b * cs;
      gemmBlocked(A_PREPACKED, B_IM2COL, M, K, m0, m1, n0, n1, cb, ldc, bufA, bufB, bias);
    }
  } else if (op == P.OP_CONV_WGRAD) {
    // dW (M=O × N=CK) = Σ_n dy_n (O × P) · col(x_n)ᵀ (P × CK), block [m0, m1) × [n0, n1). The first
    // item overwrites C through S_BIAS, which points at O rounded up to MR zeros.
    G.loadGeometry(block);
    const batch = P.slot(block, P.S_BATCH);
    const xs = <usize>P.slot(block, P.S_X_STRIDE) << 2;
    const ds = <usize>P.slot(block, P.S_C_STRIDE) << 2;
    const zeros = <usize>P.slot(block, P.S_BIAS);
    for (let b = 0; b < batch; b++) {
      G.gX = <usize>P.slot(block, P.S_X) + <usize>b * xs;
      setA(<usize>P.slot(block, P.S_A) + <usize>b * ds, K, 1, 0);
      gemmBlocked(A_STRIDED, B_IM2COL_T, M, K, m0, m1, n0, n1, c, ldc, bufA, bufB, b == 0 ? zeros : 0);
    }
  } else if (op == P.OP_GEMM) {
    setA(<usize>P.slot(block, P.S_A), P.slot(block, P.S_RSA), P.slot(block, P.S_CSA), 0);
    setB(<usize>P.slot(block, P.S_B), P.slot(block, P.S_RSB), P.slot(block, P.S_CSB));
    // S_BIAS ≠ 0: M rounded up to MR zeros, C is overwritten (never read); 0: C += A·B (C pre-filled).
    gemmBlocked(A_STRIDED, B_STRIDED, M, K, m0, m1, n0, n1, c, ldc, bufA, bufB, <usize>P.slot(block, P.S_BIAS));
  } else if (op == P.OP_POOL_FORWARD) {
    G.loadGeometry(block);
    poolForward(<usize>P.slot(block, P.S_X), c, <usize>P.slot(block, P.S_ARGMAX), m0, m1);
  } else if (op == P.OP_POOL_BACKWARD) {
    G.loadGeometry(block);
    poolBackward(<usize>P.slot(block, P.S_B), <usize>P.slot(block, P.S_ARGMAX), c, m0, m1);
  } else if (op == P.OP_PACK_A) {
    // S_FLIP = 1: A is forward conv weights (O, C = M, kvol = S_RSA), packed as their backward-input
    // form (see packAFlipped); 0: A is strided by S_RSA / S_CSA.
    setA(<usize>P.slot(block, P.S_A), P.slot(block, P.S_RSA), P.slot(block, P.S_CSA), 0);
    packAFull(M, K, m0, m1, c, P.slot(block, P.S_FLIP) == 1);
  }
}
