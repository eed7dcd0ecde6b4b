// The task block: the host writes one of these (i32 slots) per thread into shared memory and calls
// `run(block)`. Slot numbers must match src/kernels/fast/abi.ts.

export const OP_CONV_FORWARD: i32 = 1; // y = W·col(x) (+ bias): forward conv and, on flipped weights, backward-input
export const OP_CONV_WGRAD: i32 = 2; //   dW = dy·col(x)ᵀ, accumulated over the batch
export const OP_GEMM: i32 = 3; //         C += A·B with strided A and B (fully-connected layers)
export const OP_POOL_FORWARD: i32 = 4;
export const OP_POOL_BACKWARD: i32 = 5;
export const OP_PACK_A: i32 = 6; //       pre-pack a whole A (conv weights, optionally flipped) into micro-panels

export const S_OP: i32 = 0;
export const S_M: i32 = 1;
export const S_N: i32 = 2;
export const S_K: i32 = 3;
export const S_M0: i32 = 4;
export const S_M1: i32 = 5;
export const S_N0: i32 = 6;
export const S_N1: i32 = 7;
export const S_C: i32 = 8;
export const S_LDC: i32 = 9;
export const S_A: i32 = 10;
export const S_RSA: i32 = 11;
export const S_CSA: i32 = 12;
export const S_B: i32 = 13;
export const S_RSB: i32 = 14;
export const S_CSB: i32 = 15;
export const S_BUFA: i32 = 16;
export const S_BUFB: i32 = 17;
export const S_TILE: i32 = 18;
export const S_BATCH: i32 = 19;
export const S_X_STRIDE: i32 = 20; // elements between batch items of the im2col source
export const S_C_STRIDE: i32 = 21; // elements between batch items of C (forward) / of dy (wgrad)
export const S_CIN: i32 = 22;
export const S_D: i32 = 23;
export const S_H: i32 = 24;
export const S_W: i32 = 25;
export const S_KD: i32 = 26;
export const S_KH: i32 = 27;
export const S_KW: i32 = 28;
export const S_SD: i32 = 29;
export const S_SH: i32 = 30;
export const S_SW: i32 = 31;
export const S_PD: i32 = 32; // may be negative (backward-input with pad > k − 1)
export const S_PH: i32 = 33;
export const S_PW: i32 = 34;
export const S_DO: i32 = 35;
export const S_HO: i32 = 36;
export const S_WO: i32 = 37;
export const S_BIAS: i32 = 38; // 0 = no bias
export const S_ARGMAX: i32 = 39;
export const S_X: i32 = 40;
export const S_COUNTER: i32 = 41; // shared i32 for dynamic chunking, 0 = static range
export const S_CHUNK: i32 = 42;
export const S_AXIS: i32 = 43; // 0 = chunk rows (m), 1 = columns (n)
export const S_FLIP: i32 = 44; // OP_PACK_A: read conv weights flipped for backward-input
export const S_RELU: i32 = 45; // OP_CONV_FORWARD: 1 = ReLU fused into the output (y = max(0, W·x + b))
export const S_SLOTS: i32 = 48;

@inline
export function slot(block: usize, s: i32): i32 {
  return load<i32>(block + (<usize>s << 2));
}
