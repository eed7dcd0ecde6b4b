/**
 * Recycles large typed-array buffers. Why: on the VMs we run on, the first write to freshly allocated
 * memory costs a page fault per 4 KiB page — measured here ≈ 150 ms to allocate and fill one 51 MB
 * activation (conv1a's output) against 3 ms to copy into memory already touched. A forward pass that
 * allocates every activation anew spends more time faulting than convolving in the first layers.
 * Owners give back buffers they will never read again; later outputs of the same size reuse them.
 */
export class BufferPool {
  private readonly free = new Map<number, ArrayBuffer[]>();
  private heldBytes = 0;

  /**
   * @param maxBytes most bytes kept for reuse (beyond it, released buffers are left to the GC)
   * @param minBytes smaller buffers are not worth pooling (malloc reuses them cheaply)
   */
  constructor(readonly maxBytes = 1 << 30, readonly minBytes = 1 << 20) {}

  /** A Float32Array of `n` elements; contents are unspecified (recycled), callers overwrite it. */
  f32(n: number): Float32Array {
    const b = this.take(n * 4);
    return b ? new Float32Array(b) : new Float32Array(n);
  }

  /** An Int32Array of `n` elements; contents unspecified. */
  i32(n: number): Int32Array {
    const b = this.take(n * 4);
    return b ? new Int32Array(b) : new Int32Array(n);
  }

  /**
   * Gives a buffer back. Only whole, non-shared buffers are kept (a view into a larger buffer could
   * still be in use through its siblings). The caller must not touch the array afterwards.
   */
  release(a: Float32Array | Int32Array): void {
    const buf = a.buffer;
    if (!(buf instanceof ArrayBuffer) || a.byteOffset !== 0 || a.byteLength !== buf.byteLength) return;
    if (buf.byteLength < this.minBytes || this.heldBytes + buf.byteLength > this.maxBytes) return;
    const list = this.free.get(buf.byteLength);
    if (list?.includes(buf)) return;
    if (list) list.push(buf);
    else this.free.set(buf.byteLength, [buf]);
    this.heldBytes += buf.byteLength;
  }

  /** Bytes currently kept for reuse. */
  get bytes(): number {
    return this.heldBytes;
  }

  private take(bytes: number): ArrayBuffer | undefined {
    const b = this.free.get(bytes)?.pop();
    if (b) this.heldBytes -= bytes;
    return b;
  }
}
