/**
 * The host side of the wasm task-block ABI. Mirrors src/kernels/assembly/params.ts: the host writes
 * one block of i32 slots per thread into shared memory and each thread calls `run(block)`.
 */
export const Op = {
  convForward: 1,
  convWeightGrad: 2,
  gemm: 3,
  poolForward: 4,
  poolBackward: 5,
  packA: 6,
} as const;

export const Slot = {
  op: 0, M: 1, N: 2, K: 3, m0: 4, m1: 5, n0: 6, n1: 7,
  C: 8, ldc: 9, A: 10, rsA: 11, csA: 12, B: 13, rsB: 14, csB: 15,
  bufA: 16, bufB: 17, tile: 18, batch: 19, xStride: 20, cStride: 21,
  cin: 22, D: 23, H: 24, W: 25, kd: 26, kh: 27, kw: 28, sd: 29, sh: 30, sw: 31,
  pd: 32, ph: 33, pw: 34, Do: 35, Ho: 36, Wo: 37, bias: 38, argmax: 39, X: 40,
  counter: 41, chunk: 42, axis: 43, flip: 44, relu: 45,
} as const;

export type SlotName = keyof typeof Slot;
export type TaskFields = Partial<Record<SlotName, number>>;

/** Bytes per task block (48 i32 slots, padded to a cache line multiple). */
export const BLOCK_BYTES = 256;
/** Micro-kernel tile: 5 rows × 8 columns. */
export const MR = 5;
export const NR = 8;
/** Blocking of the GEMM driver (must match gemm.ts): sizes of the per-thread packing buffers. */
export const KC = 256;
export const MC = 130;
export const NC = 2048;

/** The exports every instance of the compute core has. */
export interface CoreExports {
  run(block: number): void;
  heapBase(): number;
  KC_SIZE: WebAssembly.Global;
  MC_SIZE: WebAssembly.Global;
  NC_SIZE: WebAssembly.Global;
  MR_SIZE: WebAssembly.Global;
}

/** The packing buffers are sized from KC/MC/NC above: refuse a core compiled with other blocking. */
export function checkBlocking(core: CoreExports): void {
  const got = [core.KC_SIZE.value, core.MC_SIZE.value, core.NC_SIZE.value, core.MR_SIZE.value];
  if (got[0] !== KC || got[1] !== MC || got[2] !== NC || got[3] !== MR) {
    throw new Error(`fast kernels: core blocking ${got.join('/')} differs from abi.ts ${KC}/${MC}/${NC}/${MR}; rebuild with npm run build`);
  }
}
