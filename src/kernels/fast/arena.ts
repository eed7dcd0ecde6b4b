/**
 * Memory management in the shared wasm memory. The low end holds, per thread, its task block, edge tile
 * and packing buffers (fixed for the life of the kernels). Above that, each op bump-allocates its
 * operands and resets the arena when it finishes: ops run one at a time, so nothing outlives a call.
 * The memory grows on demand up to 4 GiB and never shrinks (wasm memory cannot).
 */
import { ShapeError } from '../../tensor/shape.js';
import { BLOCK_BYTES, KC, MC, MR, NC, NR } from './abi.js';
import { MAX_PAGES, PAGE_BYTES } from './module.js';

const ALIGN = 64;

/** Where one thread's private scratch lives (byte offsets into the shared memory). */
export interface ThreadScratch {
  block: number;
  tile: number;
  bufA: number;
  bufB: number;
}

/** Edge tile (MR×NR floats) plus 8 × KC words for gemm.ts: im2col row tables or gathered rows. */
const TILE_BYTES = MR * NR * 4 + 32 * KC;
const THREAD_BYTES = BLOCK_BYTES + TILE_BYTES + MC * KC * 4 + KC * NC * 4;

export class Arena {
  readonly scratch: ThreadScratch[] = [];
  private readonly base: number;
  private top: number;

  constructor(
    readonly memory: WebAssembly.Memory,
    heapBase: number,
    threads: number,
  ) {
    let at = alignUp(Math.max(heapBase, 1024), ALIGN);
    for (let t = 0; t < threads; t++) {
      const bufA = at + BLOCK_BYTES + TILE_BYTES;
      this.scratch.push({ block: at, tile: at + BLOCK_BYTES, bufA, bufB: bufA + MC * KC * 4 });
      at += alignUp(THREAD_BYTES, ALIGN);
    }
    this.base = at;
    this.top = at;
    this.ensure(at);
  }

  /** Bytes needed by the fixed per-thread scratch of `threads` threads (to size the initial memory). */
  static fixedBytes(threads: number): number {
    return 1024 + threads * alignUp(THREAD_BYTES, ALIGN);
  }

  /** Reserves `count` 4-byte elements for the current op; `op` names it in the out-of-memory error. */
  alloc(op: string, count: number): number {
    const at = this.top;
    const end = alignUp(at + count * 4, ALIGN);
    if (end > MAX_PAGES * PAGE_BYTES) {
      const need = (end - this.base) / 2 ** 20;
      throw new ShapeError(`${op}: needs ${need.toFixed(0)} MiB of WebAssembly memory, more than the 4 GiB limit of the fast kernels`);
    }
    this.ensure(end);
    this.top = end;
    return at;
  }

  /** Frees everything the current op allocated. */
  reset(): void {
    this.top = this.base;
  }

  f32(ptr: number, count: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, count);
  }

  i32(ptr: number, count: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, count);
  }

  /** Copies `src` into fresh arena space and returns its address. */
  put(op: string, src: Float32Array): number {
    const ptr = this.alloc(op, src.length);
    this.f32(ptr, src.length).set(src);
    return ptr;
  }

  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    // Grow geometrically so a run of growing ops does not grow page by page.
    const want = Math.min(MAX_PAGES, Math.max(Math.ceil(end / PAGE_BYTES), Math.ceil((have * 1.25) / PAGE_BYTES)));
    try {
      this.memory.grow(want - have / PAGE_BYTES);
    } catch (e) {
      throw new ShapeError(`fast kernels: cannot grow WebAssembly memory to ${(want * PAGE_BYTES) / 2 ** 20} MiB (${e instanceof Error ? e.message : String(e)})`);
    }
  }
}

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}
