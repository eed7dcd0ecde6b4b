/**
 * The float32 tensors of a training run — parameters, gradients, optimizer buffers — in ONE
 * WebAssembly memory, so the SGD update runs as WebAssembly SIMD over them (src/kernels/update):
 * ≈ 3× faster than the scalar JavaScript loop on this memory-bound update (C3D: 0.14 → 0.04 s a step).
 * The memory is not shared: onnxruntime-node takes views of ordinary ArrayBuffers as inputs and
 * outputs (it refuses SharedArrayBuffer), so the training step reads the weights and writes the
 * gradients here directly, with no copies.
 *
 * The memory has its final size from the start (growing a WebAssembly memory would detach every view
 * handed out), sized for the parameters × the number of copies the run keeps; beyond the 4 GiB of
 * wasm32, `forSpec` gives null and the callers keep ordinary arrays and the JavaScript update.
 */
import type { NetSpec } from '../models/spec.js';
import { paramShapes } from '../models/shapes.js';
import { Tensor } from '../tensor/tensor.js';
import type { ParamSet } from '../nn/params.js';
import { decodeBase64 } from '../kernels/fast/module.js';
import { UPDATE_WASM_BASE64 } from '../kernels/fast/update-binary.generated.js';

const PAGE = 65536;
const MAX_PAGES = 65536;
/** Every tensor starts on a 16-byte boundary (SIMD loads). */
const ALIGN = 16;

interface UpdateExports {
  sgd(w: number, g: number, v: number, n: number, scale: number, momentum: number, lr: number, wd: number): void;
}

let compiled: WebAssembly.Module | undefined;

export class ParamMemory {
  private next = 0;

  private constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly kernels: UpdateExports,
    /** Bytes the memory holds. */
    readonly bytes: number,
  ) {}

  /**
   * A memory for `spec`'s parameters × `copies` (weights, gradients and the optimizer's buffers: SGD 3,
   * Adam 4), or null when that is more than wasm32 can address or the process cannot have it.
   */
  static forSpec(spec: NetSpec, copies: number): ParamMemory | null {
    let bytes = 0;
    for (const shape of paramShapes(spec).values()) bytes += roundUp(4 * shape.reduce((a, b) => a * b, 1), ALIGN);
    bytes *= copies;
    const pages = Math.ceil(bytes / PAGE) || 1;
    if (pages > MAX_PAGES) return null;
    compiled ??= new WebAssembly.Module(decodeBase64(UPDATE_WASM_BASE64));
    let memory: WebAssembly.Memory;
    try {
      memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    } catch {
      return null; // no room for it in this process (e.g. a ulimit on address space): ordinary arrays
    }
    const instance = new WebAssembly.Instance(compiled, { env: { memory, abort: () => { throw new Error('update kernel aborted'); } } });
    return new ParamMemory(memory, instance.exports as unknown as UpdateExports, pages * PAGE);
  }

  /** A zero tensor of `shape` in this memory. Throws when the memory is full (a sizing bug). */
  alloc(shape: readonly number[]): Tensor {
    const n = shape.reduce((a, b) => a * b, 1);
    const end = this.next + 4 * n;
    if (end > this.bytes) throw new Error(`parameter memory: no room for ${n} floats (${this.bytes} bytes, ${this.next} used)`);
    const data = new Float32Array(this.memory.buffer, this.next, n);
    this.next = roundUp(end, ALIGN);
    return new Tensor(shape, data);
  }

  /** The same parameters with their values copied into this memory. */
  adopt(params: ParamSet): ParamSet {
    const out: ParamSet = new Map();
    for (const [name, t] of params) {
      const own = this.alloc(t.shape);
      own.data.set(t.data);
      out.set(name, own);
    }
    return out;
  }

  /** Whether every array is a view of this memory (the SIMD update needs all its operands here). */
  holds(...arrays: Float32Array[]): boolean {
    return arrays.every((a) => a.buffer === this.memory.buffer);
  }

  /** v ← m·v + lr·(s·g + wd·w); w ← w − v in float32, over arrays this memory holds (equal lengths). */
  sgd(w: Float32Array, g: Float32Array, v: Float32Array, scale: number, momentum: number, lr: number, wd: number): void {
    if (!this.holds(w, g, v)) throw new Error('parameter memory: sgd operands must live in this memory');
    if (g.length !== w.length || v.length !== w.length) throw new Error('parameter memory: sgd operands differ in length');
    this.kernels.sgd(w.byteOffset, g.byteOffset, v.byteOffset, w.length, scale, momentum, lr, wd);
  }
}

/** Makes zero tensors in `memory` when there is one, else as ordinary arrays. */
export function tensorsIn(memory: ParamMemory | null | undefined): (shape: readonly number[]) => Tensor {
  return memory ? (shape) => memory.alloc(shape) : (shape) => new Tensor(shape);
}

function roundUp(x: number, to: number): number {
  return Math.ceil(x / to) * to;
}
