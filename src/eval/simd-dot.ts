/**
 * The two inner loops of the SVM solver — dot(x_i, w) and w += a·x_i over float32 — as a tiny
 * WebAssembly SIMD module (f32x4, two accumulators), about 3× the plain-JS loop on 4096-dim rows.
 *
 * The module is assembled here from its bytes (≈ 400 bytes, no toolchain step): it imports one
 * memory and exports `dot(x, w, n) → f32`, `axpy(a, x, w, n)` and `dot4(x, y0, y1, y2, y3, n, out)`
 * (four dots sharing one streamed x — the blocking that makes covariance and C·Q cache-friendly),
 * where pointers are byte offsets and n (floats) is a multiple of 8. `SimdRows` copies a matrix into that memory with rows padded
 * to a multiple of 8 floats (zeros), so the loops need no tail handling.
 */
import type { FeatureMatrix } from './features.js';

/** Unsigned LEB128. */
function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function section(id: number, body: number[]): number[] {
  return [id, ...leb(body.length), ...body];
}

// Opcodes used below (WebAssembly core + SIMD proposal numbering).
const LOCAL_GET = 0x20, LOCAL_SET = 0x21, I32_CONST = 0x41, I32_ADD = 0x6a, I32_SHL = 0x74, I32_GE_U = 0x4f;
const BLOCK = 0x02, LOOP = 0x03, BR = 0x0c, BR_IF = 0x0d, END = 0x0b, VOID = 0x40, F32_ADD = 0x92, F32_STORE = 0x38;
const I32 = 0x7f, F32 = 0x7d, V128 = 0x7b;
const v128Load = (offset: number) => [0xfd, 0x00, 0x02, ...leb(offset)];
const v128Store = (offset: number) => [0xfd, 0x0b, 0x02, ...leb(offset)];
const F32X4_ADD = [0xfd, ...leb(228)], F32X4_MUL = [0xfd, ...leb(230)], F32X4_SPLAT = [0xfd, ...leb(19)];
const f32x4Lane = (l: number) => [0xfd, 0x1f, l];

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const types = [3, 0x60, 3, I32, I32, I32, 1, F32, 0x60, 4, F32, I32, I32, I32, 0, 0x60, 7, I32, I32, I32, I32, I32, I32, I32, 0];
  const name = (s: string) => [s.length, ...[...s].map((c) => c.charCodeAt(0))];
  const imports = [1, ...name('env'), ...name('memory'), 0x02, 0x00, 0x01];
  const funcs = [3, 0, 1, 2];
  const exports = [3, ...name('dot'), 0x00, 0, ...name('axpy'), 0x00, 1, ...name('dot4'), 0x00, 2];
  // dot(x=0, w=1, n=2) locals: end=3 (i32), acc0=4, acc1=5 (v128)
  const dot = [
    2, 1, I32, 2, V128,
    LOCAL_GET, 0, LOCAL_GET, 2, I32_CONST, 2, I32_SHL, I32_ADD, LOCAL_SET, 3,
    BLOCK, VOID, LOOP, VOID,
    LOCAL_GET, 0, LOCAL_GET, 3, I32_GE_U, BR_IF, 1,
    LOCAL_GET, 4, LOCAL_GET, 0, ...v128Load(0), LOCAL_GET, 1, ...v128Load(0), ...F32X4_MUL, ...F32X4_ADD, LOCAL_SET, 4,
    LOCAL_GET, 5, LOCAL_GET, 0, ...v128Load(16), LOCAL_GET, 1, ...v128Load(16), ...F32X4_MUL, ...F32X4_ADD, LOCAL_SET, 5,
    LOCAL_GET, 0, I32_CONST, 32, I32_ADD, LOCAL_SET, 0,
    LOCAL_GET, 1, I32_CONST, 32, I32_ADD, LOCAL_SET, 1,
    BR, 0, END, END,
    LOCAL_GET, 4, LOCAL_GET, 5, ...F32X4_ADD, LOCAL_SET, 4,
    LOCAL_GET, 4, ...f32x4Lane(0), LOCAL_GET, 4, ...f32x4Lane(1), F32_ADD,
    LOCAL_GET, 4, ...f32x4Lane(2), LOCAL_GET, 4, ...f32x4Lane(3), F32_ADD, F32_ADD,
    END,
  ];
  // axpy(a=0, x=1, w=2, n=3) locals: end=4 (i32), av=5 (v128)
  const axpy = [
    2, 1, I32, 1, V128,
    LOCAL_GET, 1, LOCAL_GET, 3, I32_CONST, 2, I32_SHL, I32_ADD, LOCAL_SET, 4,
    LOCAL_GET, 0, ...F32X4_SPLAT, LOCAL_SET, 5,
    BLOCK, VOID, LOOP, VOID,
    LOCAL_GET, 1, LOCAL_GET, 4, I32_GE_U, BR_IF, 1,
    LOCAL_GET, 2, LOCAL_GET, 2, ...v128Load(0), LOCAL_GET, 5, LOCAL_GET, 1, ...v128Load(0), ...F32X4_MUL, ...F32X4_ADD, ...v128Store(0),
    LOCAL_GET, 2, LOCAL_GET, 2, ...v128Load(16), LOCAL_GET, 5, LOCAL_GET, 1, ...v128Load(16), ...F32X4_MUL, ...F32X4_ADD, ...v128Store(16),
    LOCAL_GET, 1, I32_CONST, 32, I32_ADD, LOCAL_SET, 1,
    LOCAL_GET, 2, I32_CONST, 32, I32_ADD, LOCAL_SET, 2,
    BR, 0, END, END,
    END,
  ];
  // dot4(x=0, y0..y3=1..4, n=5, out=6): out[r] = x·y_r for 4 vectors at once, so a streamed x is
  // read once for 4 dots (the y's stay in L1). locals: end=7 (i32), acc0..acc3=8..11, vx=12 (v128)
  const acc = (r: number, y: number) => [
    LOCAL_GET, 8 + r, LOCAL_GET, 12, LOCAL_GET, y, ...v128Load(0), ...F32X4_MUL, ...F32X4_ADD, LOCAL_SET, 8 + r,
  ];
  const bump = (l: number) => [LOCAL_GET, l, I32_CONST, 16, I32_ADD, LOCAL_SET, l];
  const hsum = (l: number) => [
    LOCAL_GET, l, ...f32x4Lane(0), LOCAL_GET, l, ...f32x4Lane(1), F32_ADD,
    LOCAL_GET, l, ...f32x4Lane(2), LOCAL_GET, l, ...f32x4Lane(3), F32_ADD, F32_ADD,
  ];
  const dot4 = [
    2, 1, I32, 5, V128,
    LOCAL_GET, 0, LOCAL_GET, 5, I32_CONST, 2, I32_SHL, I32_ADD, LOCAL_SET, 7,
    BLOCK, VOID, LOOP, VOID,
    LOCAL_GET, 0, LOCAL_GET, 7, I32_GE_U, BR_IF, 1,
    LOCAL_GET, 0, ...v128Load(0), LOCAL_SET, 12,
    ...acc(0, 1), ...acc(1, 2), ...acc(2, 3), ...acc(3, 4),
    ...bump(0), ...bump(1), ...bump(2), ...bump(3), ...bump(4),
    BR, 0, END, END,
    ...[0, 1, 2, 3].flatMap((r) => [LOCAL_GET, 6, ...hsum(8 + r), F32_STORE, 0x02, 4 * r]),
    END,
  ];
  const code = [3, ...leb(dot.length), ...dot, ...leb(axpy.length), ...axpy, ...leb(dot4.length), ...dot4];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, types), ...section(2, imports), ...section(3, funcs), ...section(7, exports), ...section(10, code),
  ]);
}

let compiled: WebAssembly.Module | undefined;

/**
 * A fixed-size float32 arena in WebAssembly memory with the SIMD `dot` and `axpy` over it.
 * Buffers are bump-allocated (32-byte aligned) up front; the memory never grows, so `f32` stays valid.
 * Offsets passed to `dot`/`axpy` are in bytes (4 × float index); lengths must be multiples of 8.
 */
export class SimdArena {
  readonly f32: Float32Array;
  readonly dot: (x: number, w: number, n: number) => number;
  readonly axpy: (a: number, x: number, w: number, n: number) => void;
  /** Four dots x·y0 … x·y3 written as float32 to byte offset `out` (16 bytes). */
  readonly dot4: (x: number, y0: number, y1: number, y2: number, y3: number, n: number, out: number) => void;
  private top = 0;

  constructor(floats: number) {
    const bytes = 4 * (Math.ceil(floats / 8) * 8 + 8);
    if (bytes > 4 * 1024 ** 3 - 65536) throw new Error(`simd: ${floats} floats exceed the 4 GiB WebAssembly memory`);
    const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) });
    compiled ??= new WebAssembly.Module(moduleBytes());
    const inst = new WebAssembly.Instance(compiled, { env: { memory } });
    this.dot = inst.exports['dot'] as SimdArena['dot'];
    this.axpy = inst.exports['axpy'] as SimdArena['axpy'];
    this.dot4 = inst.exports['dot4'] as SimdArena['dot4'];
    this.f32 = new Float32Array(memory.buffer);
  }

  /** Reserves `floats` (rounded up to 8) and returns the float index of the first. */
  alloc(floats: number): number {
    const at = this.top;
    this.top += Math.ceil(floats / 8) * 8;
    if (this.top > this.f32.length) throw new Error('simd: arena overflow');
    return at;
  }
}

/** Floats `n` rounded up to the SIMD loop's multiple of 8. */
export function padded(n: number): number {
  return Math.max(8, Math.ceil(n / 8) * 8);
}

/** Rows of a matrix in wasm memory, padded to `stride` (multiple of 8) floats, plus one weight row. */
export class SimdRows {
  readonly stride: number;
  readonly rows: number;
  readonly dim: number;
  /** Byte offset of the weight vector (stride floats) in memory. */
  readonly wPtr = 0;
  /** Float32 view of the weight vector. */
  readonly w: Float32Array;
  readonly dot: SimdArena['dot'];
  readonly axpy: SimdArena['axpy'];

  constructor(m: FeatureMatrix) {
    this.rows = m.rows;
    this.dim = m.dim;
    this.stride = padded(m.dim);
    const arena = new SimdArena(this.stride * (m.rows + 1));
    this.dot = arena.dot;
    this.axpy = arena.axpy;
    const w = arena.alloc(this.stride);
    const x0 = arena.alloc(this.stride * m.rows);
    for (let i = 0; i < m.rows; i++) arena.f32.set(m.data.subarray(i * m.dim, (i + 1) * m.dim), x0 + i * this.stride);
    this.w = arena.f32.subarray(w, w + this.stride);
  }

  /** Byte offset of row i. */
  rowPtr(i: number): number {
    return 4 * this.stride * (i + 1);
  }
}
