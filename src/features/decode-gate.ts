/**
 * Keeps decode threads off the CPU while the net runs, when the net's threads already fill every core.
 *
 * Why: a forward pass is a chain of parallel sections, each as slow as its slowest thread; a decoder
 * waking on a core now and then stalls one of them while the others wait. Measured on a 2-core VM
 * (full C3D, onnxruntime, 2 threads, ≈ 1.1 s per batch of 4): decoding at 30 frames/s beside the net
 * (≈ 2% of the CPU) slowed it by 10–14% at nice 10 and 25% at nice 0; letting the decoders start one
 * burst shortly before each pass ended still slowed the passes ≈ 8%. Waiting for the pass to end
 * costs less: the net idles only while the next batch is prepared (tens of ms per batch).
 *
 * One shared Int32 flag: 1 = net running (decoders wait), 0 = go. Workers check it before each frame
 * and sleep on it with `Atomics.waitAsync`, so a waiting decoder costs nothing.
 */
export class DecodeGate {
  readonly buffer: SharedArrayBuffer;
  private readonly flag: Int32Array;

  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(4)) {
    this.buffer = buffer;
    this.flag = new Int32Array(buffer, 0, 1);
  }

  /** The net starts a forward pass: decoders stop at their next frame. */
  close(): void {
    Atomics.store(this.flag, 0, 1);
  }

  /** The forward pass is over: waiting decoders resume. */
  open(): void {
    Atomics.store(this.flag, 0, 0);
    Atomics.notify(this.flag, 0);
  }

  /** Resolves at once while open, or when the gate next opens (for decoder threads). */
  async pass(): Promise<void> {
    while (Atomics.load(this.flag, 0) === 1) {
      const w = Atomics.waitAsync(this.flag, 0, 1);
      if (w.async) await w.value;
    }
  }
}
