/**
 * The fast kernel path: convolution, fully-connected and pooling ops run in the WebAssembly SIMD
 * compute core (src/kernels/assembly/), split across a persistent thread pool over one shared memory.
 * Element-wise and row-wise ops (ReLU, dropout, softmax, loss) are memory-bound and share the
 * reference path's TypeScript, so both paths agree on them exactly.
 *
 * Each op validates its arguments with the shared checks (never a wasm trap), copies its inputs into
 * the arena, computes, and copies the result into a new Tensor. Ops are serialised: the arena and the
 * per-thread task blocks are reused by every call.
 */
import type { Conv3dParams, ConvForwardOptions, Kernels, Pool3dParams, PoolResult, Triple } from '../api.js';
import { Tensor } from '../../tensor/tensor.js';
import { BufferPool } from '../../tensor/buffer-pool.js';
import { formatShape, ShapeError, sizeOf, type Shape } from '../../tensor/shape.js';
import {
  checkPoolBackward,
  checkBias,
  checkExpectedShape,
  checkShapeArg,
  checkTensor,
  shapeOfConv3d,
  shapeOfPool3d,
} from '../reference/validate.js';
import { dropout, dropoutBackward, relu, reluBackward, softmax } from '../reference/activations.js';
import { softmaxCrossEntropy } from '../reference/loss.js';
import { MR, NR, Op, Slot, type CoreExports, type TaskFields } from './abi.js';
import { Arena } from './arena.js';
import type { ThreadPool } from './pool.js';

/** Below this many multiply-adds an op runs on the calling thread alone (a round trip costs ~50 µs). */
const MIN_PARALLEL_MACS = 1 << 20;
/** Work chunks per thread for dynamic sharing: enough to balance, few enough to keep panels large. */
const CHUNKS_PER_THREAD = 4;
/** Smallest chunk where each chunk re-packs the other operand (all splits but conv forward's). */
const REPACK_MIN_CHUNK = 256;

/** Geometry of one convolution as the core sees it; pads may be negative (backward-input). */
interface ConvGeometry {
  batch: number;
  cin: number;
  inDims: Triple;
  kernel: Triple;
  stride: Triple;
  pad: Triple;
  outDims: Triple;
}

export class FastKernels implements Kernels {
  readonly name = 'fast';
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;
  private readonly buffers = new BufferPool();

  constructor(
    private readonly core: CoreExports,
    private readonly arena: Arena,
    private readonly pool: ThreadPool,
  ) {}

  /** Compute threads, the calling one included. */
  get threads(): number {
    return this.pool.workers + 1;
  }

  /** Terminates the worker threads; the kernels cannot be used afterwards. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.queue.catch(() => undefined);
    await this.pool.dispose();
  }

  async conv3dForward(x: Tensor, w: Tensor, b: Tensor | null, p: Conv3dParams, opts: ConvForwardOptions = {}): Promise<Tensor> {
    const op = 'conv3dForward';
    const xs = checkTensor(op, x, 'x', 5);
    const ws = checkTensor(op, w, 'w', 5);
    const ys = shapeOfConv3d(op, xs, ws, p);
    checkBias(op, b, ws[0], ws);
    return this.exclusive(async () => {
      const xPtr = this.arena.put(op, x.data);
      const g: ConvGeometry = {
        batch: xs[0], cin: xs[1], inDims: dims(xs), kernel: dims(ws), stride: p.stride, pad: p.pad, outDims: dims(ys),
      };
      const y = await this.convolve(op, xPtr, g, w.data, ws[0], b === null ? null : b.data, false, opts.relu === true);
      return new Tensor(ys, y);
    });
  }

  /**
   * dx is the full convolution of dy with the weights flipped in space and transposed (C ↔ O):
   * the forward machinery with pad' = k − 1 − pad (the core reads W flipped while packing it).
   * For stride > 1, dy is first spread out with stride − 1 zeros between entries (slower, but C3D's
   * convolutions all have stride 1).
   */
  async conv3dBackwardInput(dy: Tensor, w: Tensor, xShape: readonly number[], p: Conv3dParams): Promise<Tensor> {
    const op = 'conv3dBackwardInput';
    const ds = checkTensor(op, dy, 'dy', 5);
    const ws = checkTensor(op, w, 'w', 5);
    const xs = checkShapeArg(op, xShape, 'xShape', 5);
    checkExpectedShape(op, ds, shapeOfConv3d(op, xs, ws, p), 'dy', `the conv output for xShape ${formatShape(xs)} and w ${formatShape(ws)}`);
    return this.exclusive(async () => {
      const [O, C, kd, kh, kw] = ws;
      const s = p.stride;
      const spread: Triple = [(ds[2] - 1) * s[0] + 1, (ds[3] - 1) * s[1] + 1, (ds[4] - 1) * s[2] + 1];
      let dyPtr: number;
      if (s[0] === 1 && s[1] === 1 && s[2] === 1) {
        dyPtr = this.arena.put(op, dy.data);
      } else {
        dyPtr = this.arena.alloc(op, ds[0] * O * sizeOf(spread));
        spreadOut(dy.data, this.arena.f32(dyPtr, ds[0] * O * sizeOf(spread)), ds[0] * O, dims(ds), s, spread);
      }
      const g: ConvGeometry = {
        batch: ds[0], cin: O, inDims: spread, kernel: [kd, kh, kw], stride: [1, 1, 1],
        pad: [kd - 1 - p.pad[0], kh - 1 - p.pad[1], kw - 1 - p.pad[2]], outDims: dims(xs),
      };
      return new Tensor(xs, await this.convolve(op, dyPtr, g, w.data, C, null, true));
    });
  }

  /** dW = Σ_n dy_n · col(x_n)ᵀ, the im2col side packed straight from x. */
  async conv3dBackwardWeight(x: Tensor, dy: Tensor, wShape: readonly number[], p: Conv3dParams): Promise<Tensor> {
    const op = 'conv3dBackwardWeight';
    const xs = checkTensor(op, x, 'x', 5);
    const ds = checkTensor(op, dy, 'dy', 5);
    const ws = checkShapeArg(op, wShape, 'wShape', 5);
    checkExpectedShape(op, ds, shapeOfConv3d(op, xs, ws, p), 'dy', `the conv output for x ${formatShape(xs)} and wShape ${formatShape(ws)}`);
    return this.exclusive(async () => {
      const [O, C, kd, kh, kw] = ws;
      const ck = C * kd * kh * kw;
      const P = ds[2] * ds[3] * ds[4];
      const xPtr = this.arena.put(op, x.data);
      const dyPtr = this.arena.put(op, dy.data);
      const dwPtr = this.arena.alloc(op, O * ck);
      const fields: TaskFields = {
        op: Op.convWeightGrad, M: O, N: ck, K: P, m0: 0, m1: O, n0: 0, n1: ck, C: dwPtr, ldc: ck, A: dyPtr, X: xPtr,
        bias: this.zeros(op, roundUp(O, MR)), batch: xs[0], xStride: sizeOf(xs.slice(1)), cStride: O * P,
        ...geometryFields({ batch: xs[0], cin: C, inDims: dims(xs), kernel: [kd, kh, kw], stride: p.stride, pad: p.pad, outDims: dims(ds) }),
      };
      const macs = ck * O * P * xs[0];
      if (ck >= O) await this.split('n', ck, NR, macs, fields, REPACK_MIN_CHUNK);
      else await this.split('m', O, MR, macs, fields, REPACK_MIN_CHUNK);
      return new Tensor(ws, this.copyOut(dwPtr, O * ck));
    });
  }

  async conv3dBackwardBias(dy: Tensor): Promise<Tensor> {
    const ds = checkTensor('conv3dBackwardBias', dy, 'dy', 5);
    const [N, O] = ds;
    const P = ds[2] * ds[3] * ds[4];
    const db = new Float32Array(O);
    for (let o = 0; o < O; o++) {
      let s = 0;
      for (let n = 0; n < N; n++) {
        const row = dy.data.subarray((n * O + o) * P, (n * O + o + 1) * P);
        for (let i = 0; i < P; i++) s += row[i];
      }
      db[o] = s;
    }
    return new Tensor([O], db);
  }

  async maxPool3dForward(x: Tensor, p: Pool3dParams): Promise<PoolResult> {
    const op = 'maxPool3dForward';
    const xs = checkTensor(op, x, 'x', 5);
    const ys = shapeOfPool3d(op, xs, p);
    return this.exclusive(async () => {
      const planes = xs[0] * xs[1];
      const count = sizeOf(ys);
      const xPtr = this.arena.put(op, x.data);
      const yPtr = this.arena.alloc(op, count);
      const aPtr = this.arena.alloc(op, count);
      await this.split('m', planes, 1, x.size, {
        op: Op.poolForward, X: xPtr, C: yPtr, argmax: aPtr,
        ...geometryFields({ batch: xs[0], cin: xs[1], inDims: dims(xs), kernel: p.kernel, stride: p.stride, pad: p.pad, outDims: dims(ys) }),
      });
      const argmax = this.buffers.i32(count);
      argmax.set(this.arena.i32(aPtr, count));
      return { y: new Tensor(ys, this.copyOut(yPtr, count)), argmax };
    });
  }

  async maxPool3dBackward(dy: Tensor, argmax: Int32Array, xShape: readonly number[]): Promise<Tensor> {
    const op = 'maxPool3dBackward';
    const { ds, xs } = checkPoolBackward(op, dy, argmax, xShape);
    return this.exclusive(async () => {
      const count = sizeOf(xs);
      const dyPtr = this.arena.put(op, dy.data);
      const aPtr = this.arena.alloc(op, argmax.length);
      this.arena.i32(aPtr, argmax.length).set(argmax);
      const dxPtr = this.arena.alloc(op, count);
      this.arena.f32(dxPtr, count).fill(0);
      const ones: Triple = [1, 1, 1];
      await this.split('m', xs[0] * xs[1], 1, count, {
        op: Op.poolBackward, B: dyPtr, argmax: aPtr, C: dxPtr,
        ...geometryFields({ batch: xs[0], cin: xs[1], inDims: dims(xs), kernel: ones, stride: ones, pad: [0, 0, 0], outDims: dims(ds) }),
      });
      return new Tensor(xs, this.copyOut(dxPtr, count));
    });
  }

  async linearForward(x: Tensor, w: Tensor, b: Tensor | null): Promise<Tensor> {
    const op = 'linearForward';
    const [N, K] = checkTensor(op, x, 'x', 2);
    const ws = checkTensor(op, w, 'w', 2);
    if (ws[1] !== K) throw new ShapeError(`${op}: x ${formatShape([N, K])} has ${K} features but w ${formatShape(ws)} expects ${ws[1]}`);
    const O = ws[0];
    checkBias(op, b, O, ws);
    // y (N×O) = x (N×K) · wᵀ (K×O)
    return this.exclusive(async () => {
      const y = await this.gemm(op, N, O, K, x.data, K, 1, w.data, 1, K, b === null ? null : b.data);
      return new Tensor([N, O], y);
    });
  }

  async linearBackwardInput(dy: Tensor, w: Tensor): Promise<Tensor> {
    const op = 'linearBackwardInput';
    const [N, O] = checkTensor(op, dy, 'dy', 2);
    const ws = checkTensor(op, w, 'w', 2);
    if (ws[0] !== O) throw new ShapeError(`${op}: dy ${formatShape([N, O])} has ${O} outputs but w ${formatShape(ws)} has ${ws[0]}`);
    const K = ws[1];
    // dx (N×K) = dy (N×O) · w (O×K)
    return this.exclusive(async () => new Tensor([N, K], await this.gemm(op, N, K, O, dy.data, O, 1, w.data, K, 1, null)));
  }

  async linearBackwardWeight(dy: Tensor, x: Tensor): Promise<Tensor> {
    const op = 'linearBackwardWeight';
    const [N, O] = checkTensor(op, dy, 'dy', 2);
    const xs = checkTensor(op, x, 'x', 2);
    if (xs[0] !== N) throw new ShapeError(`${op}: dy ${formatShape([N, O])} and x ${formatShape(xs)} must have the same batch size`);
    const K = xs[1];
    // dw (O×K) = dyᵀ (O×N) · x (N×K)
    return this.exclusive(async () => new Tensor([O, K], await this.gemm(op, O, K, N, dy.data, 1, O, x.data, K, 1, null)));
  }

  async linearBackwardBias(dy: Tensor): Promise<Tensor> {
    const [N, O] = checkTensor('linearBackwardBias', dy, 'dy', 2);
    const db = new Float32Array(O);
    for (let o = 0; o < O; o++) {
      let s = 0;
      for (let n = 0; n < N; n++) s += dy.data[n * O + o];
      db[o] = s;
    }
    return new Tensor([O], db);
  }

  relu = relu;
  reluBackward = reluBackward;
  dropout = dropout;
  dropoutBackward = dropoutBackward;
  softmax = softmax;
  softmaxCrossEntropy = softmaxCrossEntropy;

  /** Runs `fn` after every earlier op has finished; the arena is reset afterwards, whatever happens. */
  /** Hands `t`'s memory back for reuse by later outputs (see BufferPool). */
  release(t: Tensor | Int32Array): void {
    this.buffers.release(t instanceof Tensor ? t.data : t);
  }

  /** A result copied out of the arena into a (recycled when possible) JS buffer. */
  private copyOut(ptr: number, count: number): Float32Array {
    const out = this.buffers.f32(count);
    out.set(this.arena.f32(ptr, count));
    return out;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.disposed) return Promise.reject(new Error('fast kernels: used after dispose()'));
    const run = this.queue.then(async () => {
      try {
        return await fn();
      } finally {
        this.arena.reset();
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * y = W·col(x) (+ bias) for a batch. `weights` is (outChannels × cin·kd·kh·kw) row-major, or with
   * `flipped` the forward weights (cin, outChannels, kd, kh, kw) of which this is the backward-input.
   * `relu`: the core applies ReLU as it writes the last K block of y.
   */
  private async convolve(
    op: string, xPtr: number, g: ConvGeometry, weights: Float32Array, outChannels: number, bias: Float32Array | null,
    flipped = false, relu = false,
  ): Promise<Float32Array> {
    const kvol = sizeOf(g.kernel);
    const ck = g.cin * kvol;
    const P = sizeOf(g.outDims);
    const wPtr = this.arena.put(op, weights);
    const packed = this.arena.alloc(op, ck * roundUp(outChannels, MR));
    const pack: TaskFields = flipped
      ? { op: Op.packA, M: outChannels, K: ck, A: wPtr, rsA: kvol, flip: 1, C: packed }
      : { op: Op.packA, M: outChannels, K: ck, A: wPtr, rsA: ck, csA: 1, C: packed };
    // Packing is a strided copy of the whole weight tensor: worth splitting for the big layers.
    await this.split('m', roundUp(outChannels, MR), MR, (ck * outChannels) << 4, pack);
    // The core starts each output row from its bias (zeros without one), padded to whole micro-tiles.
    const biasPtr = this.zeros(op, roundUp(outChannels, MR));
    if (bias !== null) this.arena.f32(biasPtr, outChannels).set(bias);
    const count = g.batch * outChannels * P;
    const yPtr = this.arena.alloc(op, count);
    const fields: TaskFields = {
      op: Op.convForward, M: outChannels, K: ck, A: packed, C: yPtr, ldc: P, X: xPtr, bias: biasPtr,
      batch: g.batch, xStride: g.cin * sizeOf(g.inDims), cStride: outChannels * P, m0: 0, m1: outChannels, n0: 0, n1: P, relu: relu ? 1 : 0,
      ...geometryFields(g),
    };
    const macs = outChannels * ck * P * g.batch;
    // Split the spatial columns: each chunk streams all of the packed weights once, so chunks stay
    // ≥ 64 columns, or one per thread for layers with few positions (conv5: 98). Splitting the output
    // channels instead would make every thread pack the whole column matrix.
    await this.split('n', P, NR, macs, fields, Math.min(64, Math.ceil(P / this.threads)));
    return this.copyOut(yPtr, count);
  }

  /** C (M×N) = A·B (+ bias per column) with A(i,k) = a[i·rsA + k·csA], B(k,j) = b[k·rsB + j·csB]. */
  private async gemm(
    op: string, M: number, N: number, K: number,
    a: Float32Array, rsA: number, csA: number, b: Float32Array, rsB: number, csB: number, bias: Float32Array | null,
  ): Promise<Float32Array> {
    const aPtr = this.arena.put(op, a);
    const bPtr = this.arena.put(op, b);
    const cPtr = this.arena.alloc(op, M * N);
    // Without a bias the core overwrites C (through a row of zeros); a per-column bias is pre-filled.
    let zeros = 0;
    if (bias === null) zeros = this.zeros(op, roundUp(M, MR));
    else for (let i = 0; i < M; i++) this.arena.f32(cPtr + i * N * 4, N).set(bias);
    const fields: TaskFields = {
      op: Op.gemm, M, N, K, A: aPtr, rsA, csA, B: bPtr, rsB, csB, C: cPtr, ldc: N, m0: 0, m1: M, n0: 0, n1: N, bias: zeros,
    };
    if (N >= M) await this.split('n', N, NR, M * N * K, fields, REPACK_MIN_CHUNK);
    else await this.split('m', M, MR, M * N * K, fields, REPACK_MIN_CHUNK);
    return this.copyOut(cPtr, M * N);
  }

  /**
   * Runs one task over rows (axis 'm') or columns ('n') [0, total) on every thread. The range is cut
   * into chunks of `unit` multiples, up to CHUNKS_PER_THREAD per thread, which the threads claim
   * through an atomic counter: on a busy machine a slowed thread takes fewer chunks instead of
   * holding everyone up. The workers start first; the calling thread works too, then waits.
   */
  private async split(axis: 'm' | 'n', total: number, unit: number, macs: number, fields: TaskFields, minChunk = unit): Promise<void> {
    const range: TaskFields = axis === 'm' ? { m0: 0, m1: total } : { n0: 0, n1: total };
    const threads = macs < MIN_PARALLEL_MACS ? 1 : Math.min(this.threads, Math.ceil(total / unit));
    if (threads === 1) {
      this.core.run(this.writeBlock(0, { ...fields, ...range }));
      return;
    }
    const counter = this.arena.alloc('split', 1);
    this.arena.i32(counter, 1)[0] = 0;
    // Chunks of at least `minChunk` (the other operand is re-packed for every chunk), but one per thread at least.
    const wanted = roundUp(Math.min(Math.ceil(total / threads), Math.max(minChunk, Math.ceil(total / (threads * CHUNKS_PER_THREAD)))), unit);
    // A multiple of the thread count of chunks, so on an idle machine the threads finish together (conv2a's
    // backward-weight: 7 chunks of 256 columns left one thread idle for 1/8 of the op; 8 of 216 do not).
    const chunk = roundUp(Math.ceil(total / roundUp(Math.ceil(total / wanted), threads)), unit);
    const shared: TaskFields = { ...fields, ...range, counter, chunk, axis: axis === 'm' ? 0 : 1 };
    const blocks = Array.from({ length: threads }, (_, t) => this.writeBlock(t, shared));
    const others = this.pool.start(blocks.slice(1));
    try {
      this.core.run(blocks[0]);
    } finally {
      await others;
    }
  }

  private zeros(op: string, count: number): number {
    const ptr = this.arena.alloc(op, count);
    this.arena.f32(ptr, count).fill(0);
    return ptr;
  }

  private writeBlock(thread: number, fields: TaskFields): number {
    const s = this.arena.scratch[thread];
    const slots = this.arena.i32(s.block, 48);
    slots.fill(0);
    slots[Slot.bufA] = s.bufA;
    slots[Slot.bufB] = s.bufB;
    slots[Slot.tile] = s.tile;
    for (const [name, value] of Object.entries(fields) as Array<[keyof typeof Slot, number]>) slots[Slot[name]] = value;
    return s.block;
  }
}

function dims(shape: Shape): Triple {
  return [shape[2], shape[3], shape[4]];
}

function roundUp(n: number, unit: number): number {
  return Math.ceil(n / unit) * unit;
}

function geometryFields(g: ConvGeometry): TaskFields {
  return {
    cin: g.cin, D: g.inDims[0], H: g.inDims[1], W: g.inDims[2],
    kd: g.kernel[0], kh: g.kernel[1], kw: g.kernel[2],
    sd: g.stride[0], sh: g.stride[1], sw: g.stride[2],
    pd: g.pad[0], ph: g.pad[1], pw: g.pad[2],
    Do: g.outDims[0], Ho: g.outDims[1], Wo: g.outDims[2],
  };
}

/** Copies each (Do,Ho,Wo) plane of dy into a zeroed (spread) plane at stride-spaced positions. */
function spreadOut(dy: Float32Array, out: Float32Array, planes: number, d: Triple, s: Triple, spread: Triple): void {
  out.fill(0);
  const inPlane = d[0] * d[1] * d[2];
  const outPlane = spread[0] * spread[1] * spread[2];
  for (let p = 0; p < planes; p++) {
    for (let i = 0; i < d[0]; i++) {
      for (let j = 0; j < d[1]; j++) {
        for (let l = 0; l < d[2]; l++) {
          out[p * outPlane + (i * s[0] * spread[1] + j * s[1]) * spread[2] + l * s[2]] = dy[p * inPlane + (i * d[1] + j) * d[2] + l];
        }
      }
    }
  }
}
