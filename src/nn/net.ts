/**
 * The net runtime: runs a spec on the `Kernels` interface, forward (any named blob) and backward
 * (parameter gradients), micrograd-sized. Layers run in spec order on one current blob; relu and
 * dropout replace the current blob's value under the same name, as Caffe's in-place layers do.
 */
import type { Kernels, Conv3dParams, Pool3dParams } from '../kernels/api.js';
import { Tensor } from '../tensor/tensor.js';
import { formatShape, ShapeError } from '../tensor/shape.js';
import type { NetSpec } from '../models/spec.js';
import { analyzeSpec, type LayerInfo } from '../models/shapes.js';
import { checkParams, type ParamSet } from './params.js';
import { reluInPlace } from '../kernels/reference/activations.js';

export interface ForwardOptions {
  /** Blobs to return (default: the net's last blob). */
  outputs?: readonly string[];
  /** Training mode: dropout active (default false: dropout is the identity, as at Caffe test time). */
  train?: boolean;
  /** Uniform [0, 1) source for dropout masks (required when train is true and the net has dropout, unless `dropoutMasks` gives them). */
  random?: () => number;
  /**
   * Keep-masks (1 = kept) per dropout layer name, each the size of the layer's input: used instead of
   * drawing from `random`, so a training loop can draw them per sample from its own seeded streams
   * (identical across micro-batch splits, backends and resumes).
   */
  dropoutMasks?: ReadonlyMap<string, Uint8Array>;
  /** Record what backward needs (default: same as `train`). */
  keepTape?: boolean;
}

/** What one layer's forward kept for its backward. */
type TapeEntry =
  | { kind: 'conv3d'; x: Tensor }
  | { kind: 'pool3d'; argmax: Int32Array; xShape: number[] }
  | { kind: 'fc'; x: Tensor; xShape: number[] }
  | { kind: 'relu'; y: Tensor }
  | { kind: 'dropout'; mask: Uint8Array }
  | { kind: 'softmax'; y: Tensor }
  | { kind: 'identity' };

export interface Tape {
  readonly entries: TapeEntry[];
  readonly batch: number;
}

export interface ForwardResult {
  /** Requested blobs, each (N, …) with N the batch. */
  blobs: Map<string, Tensor>;
  tape: Tape | null;
}

/**
 * How the backward signal R crosses a ReLU with output y (y > 0 ⇔ its input f > 0). 'gradient' is
 * the true gradient R·[f > 0] (Simonyan et al.); 'deconvnet' rectifies the signal itself, max(R, 0)
 * (Zeiler & Fergus); 'guided' does both, max(R, 0)·[f > 0] (Springenberg et al.). Only 'gradient'
 * gives parameter gradients worth having; the other two are for projecting activations to pixels.
 */
export type ReluRule = 'gradient' | 'deconvnet' | 'guided';

export interface BackwardOptions {
  /** ReLU rule (default 'gradient'). */
  reluRule?: ReluRule;
  /** Compute dL/dθ (default true); a projection needs only the signal, and skips the weight GEMMs. */
  paramGrads?: boolean;
  /** Also return dL/d input, the clips' gradient (default false). */
  inputGrad?: boolean;
  /**
   * Blobs whose gradient to return (dL/d blob, the signal arriving at the blob's final value, e.g.
   * conv5b after its ReLU for Grad-CAM). Without paramGrads and inputGrad, backward stops once it has them.
   */
  blobGrads?: readonly string[];
}

export interface BackwardResult {
  /** dL/dθ for every parameter (zeros for layers the seeds do not reach); empty when `paramGrads` is false. */
  grads: ParamSet;
  /** dL/d input, when `inputGrad` was asked. */
  input?: Tensor;
  /** dL/d blob for each of `blobGrads` (zeros for a blob the seeds do not reach). */
  blobs: Map<string, Tensor>;
}

export class Net {
  readonly spec: NetSpec;
  readonly params: ParamSet;
  readonly kernels: Kernels;
  private readonly infos: LayerInfo[];
  /** Every blob name → index of the last layer that writes it (its final value). */
  private readonly finalWriter: Map<string, number>;
  /**
   * reluAfter[i]: layer i is a conv whose output the next layer ReLUs in place (every C3D conv). The
   * conv then applies that ReLU as it writes y: the pre-ReLU value is never a blob of its own, so
   * nothing can ask for it.
   */
  private readonly reluAfter: boolean[];

  constructor(spec: NetSpec, params: ParamSet, kernels: Kernels) {
    this.infos = analyzeSpec(spec);
    checkParams(spec, params);
    this.spec = spec;
    this.params = params;
    this.kernels = kernels;
    this.finalWriter = new Map();
    this.infos.forEach((info, i) => this.finalWriter.set(info.outName, i));
    this.reluAfter = this.infos.map((info, i) => {
      const next = this.infos[i + 1];
      return info.layer.type === 'conv3d' && next !== undefined && next.layer.type === 'relu' &&
        next.inName === info.outName && next.outName === info.outName;
    });
  }

  /** Every blob this net can return. */
  get blobNames(): string[] {
    return [...this.finalWriter.keys()];
  }

  /** Name of the classifier's logits (the input of a final softmax, else the last blob). */
  get logitsName(): string {
    const last = this.infos.at(-1)!;
    return last.layer.type === 'softmax' ? last.inName : last.outName;
  }

  /** Throws ShapeError unless x is (N, C, L, H, W) with the spec's clip size. */
  checkInput(x: Tensor): void {
    const [c, l, h, w] = this.spec.input;
    const ok = x.rank === 5 && x.shape[1] === c && x.shape[2] === l && x.shape[3] === h && x.shape[4] === w;
    if (!ok) {
      throw new ShapeError(
        `net ${this.spec.name}: input clips must be (N, ${c}, ${l}, ${h}, ${w}) = (batch, channels, frames, height, width), got ${formatShape(x.shape)}`,
      );
    }
  }

  async forward(x: Tensor, opts: ForwardOptions = {}): Promise<ForwardResult> {
    this.checkInput(x);
    const outputs = opts.outputs ?? [this.infos.at(-1)!.outName];
    let stop = -1;
    for (const o of outputs) {
      const i = this.finalWriter.get(o);
      if (i === undefined) throw new ShapeError(`net ${this.spec.name}: unknown output '${o}' (blobs: ${this.blobNames.join(', ')})`);
      stop = Math.max(stop, i);
    }
    const train = opts.train ?? false;
    const keep = opts.keepTape ?? train;
    const n = x.shape[0]!;
    const k = this.kernels;
    const entries: TapeEntry[] = [];
    const blobs = new Map<string, Tensor>();
    // Without a tape, an activation is dead once the next layer has read it: hand it back to the
    // kernels for reuse unless it is the caller's input or a blob we return.
    const returned = new Set<Float32Array>();
    let cur = x;
    for (let i = 0; i <= stop; i++) {
      const info = this.infos[i]!;
      const l = info.layer;
      const prev = cur;
      let entry: TapeEntry = { kind: 'identity' };
      switch (l.type) {
        case 'conv3d': {
          const w = this.params.get(`${l.name}.weight`)!;
          const b = this.params.get(`${l.name}.bias`)!;
          entry = { kind: 'conv3d', x: cur };
          cur = await k.conv3dForward(cur, w, b, convParams(l), { relu: i < stop && this.reluAfter[i]! });
          break;
        }
        case 'pool3d': {
          const xShape = [...cur.shape];
          const r = await k.maxPool3dForward(cur, poolParams(l));
          entry = { kind: 'pool3d', argmax: r.argmax, xShape };
          if (!keep) k.release?.(r.argmax);
          cur = r.y;
          break;
        }
        case 'fc': {
          const xShape = [...cur.shape];
          const flat = cur.reshape([n, -1]);
          entry = { kind: 'fc', x: flat, xShape };
          cur = await k.linearForward(flat, this.params.get(`${l.name}.weight`)!, this.params.get(`${l.name}.bias`)!);
          break;
        }
        case 'relu':
          // In place, as Caffe's ReLU: allocating (and zero-filling) a second activation of the same
          // size costs several times the ReLU itself. The caller's input is never overwritten.
          // A conv right before it has applied it already (reluAfter).
          if (!(i > 0 && this.reluAfter[i - 1])) cur = cur === x ? k.relu(cur) : reluInPlace(cur);
          entry = { kind: 'relu', y: cur };
          break;
        case 'dropout':
          if (train && l.p > 0) {
            const given = opts.dropoutMasks?.get(l.name);
            if (given) {
              // Applying a given mask is the backward formula: x · mask / (1 − p).
              cur = k.dropoutBackward(cur, given, l.p);
              entry = { kind: 'dropout', mask: given };
            } else {
              if (!opts.random) throw new ShapeError(`net ${this.spec.name}: train mode needs a random source for ${l.name}`);
              const r = k.dropout(cur, l.p, opts.random);
              entry = { kind: 'dropout', mask: r.mask };
              cur = r.y;
            }
          }
          break;
        case 'softmax':
          cur = k.softmax(cur.reshape([n, -1]));
          entry = { kind: 'softmax', y: cur };
          break;
      }
      if (keep) entries.push(entry);
      else if (prev !== x && prev.data !== cur.data && !returned.has(prev.data)) k.release?.(prev);
      if (this.finalWriter.get(info.outName) === i && outputs.includes(info.outName)) {
        blobs.set(info.outName, cur);
        returned.add(cur.data);
      }
    }
    return { blobs, tape: keep ? { entries, batch: n } : null };
  }

  /**
   * Back-propagates `seeds` (dL/d blob, keyed by blob name, each the blob's shape) through a tape
   * recorded by `forward(…, { keepTape: true })` that reached every seeded blob. The tape is only
   * read: one tape serves several backward passes. `opts` picks the ReLU rule (projections to the
   * input use 'deconvnet' or 'guided'), and which gradients to return: parameters (default), the
   * input, named blobs.
   */
  async backward(tape: Tape, seeds: ReadonlyMap<string, Tensor>, opts: BackwardOptions = {}): Promise<BackwardResult> {
    const k = this.kernels;
    const rule = opts.reluRule ?? 'gradient';
    const wantParams = opts.paramGrads ?? true;
    const wantInput = opts.inputGrad ?? false;
    const grads: ParamSet = new Map();
    if (wantParams) for (const [name, t] of this.params) grads.set(name, new Tensor(t.shape));
    const pending = new Map(seeds);
    const reached = (name: string, what: string): number => {
      const i = this.finalWriter.get(name);
      if (i === undefined || i >= tape.entries.length) {
        throw new ShapeError(`net ${this.spec.name}: backward ${what} '${name}' is not a blob the forward pass reached`);
      }
      return i;
    };
    for (const name of pending.keys()) reached(name, 'seed');
    const wantBlobs = new Map((opts.blobGrads ?? []).map((name) => [reached(name, 'gradient blob'), name]));
    const blobs = new Map<string, Tensor>();
    // Without parameter or input gradients, nothing below the lowest requested blob is needed.
    const lowest = wantParams || wantInput ? 0 : Math.min(...wantBlobs.keys(), tape.entries.length);
    const inputShape = [tape.batch, ...this.spec.input];
    let g: Tensor | null = null;
    let i = tape.entries.length - 1;
    for (; i >= lowest && (g !== null || pending.size > 0); i--) {
      const info = this.infos[i]!;
      const seed = this.finalWriter.get(info.outName) === i ? pending.get(info.outName) : undefined;
      if (seed) {
        g = g ? addTensors(g, seed) : seed;
        pending.delete(info.outName);
      }
      const asked = wantBlobs.get(i);
      if (asked !== undefined) blobs.set(asked, g ?? Tensor.filled(this.shapeOf(tape, i), 0));
      if (!g) continue;
      const e = tape.entries[i]!;
      const l = info.layer;
      // The input's gradient is only computed when asked for: it is the most expensive one of a conv net.
      const first = i === 0 && !wantInput;
      switch (e.kind) {
        case 'conv3d': {
          if (l.type !== 'conv3d') break;
          const w = this.params.get(`${l.name}.weight`)!;
          const p = convParams(l);
          if (wantParams) {
            grads.set(`${l.name}.weight`, await k.conv3dBackwardWeight(e.x, g, w.shape, p));
            grads.set(`${l.name}.bias`, await k.conv3dBackwardBias(g));
          }
          g = first ? null : await k.conv3dBackwardInput(g, w, e.x.shape, p);
          break;
        }
        case 'pool3d':
          g = await k.maxPool3dBackward(g, e.argmax, e.xShape);
          break;
        case 'fc': {
          const w = this.params.get(`${l.name}.weight`)!;
          if (wantParams) {
            grads.set(`${l.name}.weight`, await k.linearBackwardWeight(g, e.x));
            grads.set(`${l.name}.bias`, await k.linearBackwardBias(g));
          }
          g = first ? null : (await k.linearBackwardInput(g, w)).reshape(e.xShape);
          break;
        }
        case 'relu':
          g = rule === 'gradient' ? k.reluBackward(g, e.y) : rectifySignal(g, rule === 'guided' ? e.y : null);
          break;
        case 'dropout':
          g = k.dropoutBackward(g, e.mask, (l as { p: number }).p);
          break;
        case 'softmax':
          g = softmaxBackward(g, e.y);
          break;
        case 'identity':
          break;
      }
    }
    for (const [j, name] of wantBlobs) if (!blobs.has(name)) blobs.set(name, Tensor.filled(this.shapeOf(tape, j), 0));
    const result: BackwardResult = { grads, blobs };
    if (wantInput) result.input = i < 0 && g ? g.reshape(inputShape) : Tensor.filled(inputShape, 0);
    return result;
  }

  /** Shape of layer i's output in a forward pass of `tape.batch` clips. */
  private shapeOf(tape: Tape, i: number): number[] {
    return [tape.batch, ...this.infos[i]!.outShape];
  }

  /**
   * One training step's numbers: mean softmax cross-entropy of the logits against `labels` and the
   * gradient of every parameter. Runs in train mode (dropout on) unless `train: false`.
   */
  async lossAndGrads(
    x: Tensor,
    labels: Int32Array,
    opts: { train?: boolean; random?: () => number; dropoutMasks?: ReadonlyMap<string, Uint8Array> } = {},
  ): Promise<{ loss: number; logits: Tensor; grads: ParamSet }> {
    const logitsName = this.logitsName;
    const { blobs, tape } = await this.forward(x, {
      outputs: [logitsName], train: opts.train ?? true, random: opts.random, dropoutMasks: opts.dropoutMasks, keepTape: true,
    });
    const logits = blobs.get(logitsName)!;
    const { loss, grad } = this.kernels.softmaxCrossEntropy(logits, labels);
    const { grads } = await this.backward(tape!, new Map([[logitsName, grad]]));
    return { loss, logits, grads };
  }
}

export function convParams(l: { stride: readonly number[]; pad: readonly number[] }): Conv3dParams {
  return { stride: [l.stride[0]!, l.stride[1]!, l.stride[2]!], pad: [l.pad[0]!, l.pad[1]!, l.pad[2]!] };
}

export function poolParams(l: { kernel: readonly number[]; stride: readonly number[]; pad: readonly number[]; rounding: 'ceil' | 'floor' }): Pool3dParams {
  return {
    kernel: [l.kernel[0]!, l.kernel[1]!, l.kernel[2]!],
    stride: [l.stride[0]!, l.stride[1]!, l.stride[2]!],
    pad: [l.pad[0]!, l.pad[1]!, l.pad[2]!],
    rounding: l.rounding,
  };
}

/**
 * The deconvnet rule max(R, 0), and with `y` the guided rule max(R, 0)·[y > 0]: a fresh tensor. NaN
 * passes through, as in the kernels' relu.
 */
function rectifySignal(r: Tensor, y: Tensor | null): Tensor {
  if (y && y.size !== r.size) throw new ShapeError(`backward: signal ${formatShape(r.shape)} does not match ReLU output ${formatShape(y.shape)}`);
  const out = new Tensor(r.shape);
  for (let i = 0; i < r.size; i++) {
    const v = r.data[i]!;
    out.data[i] = (y === null || y.data[i]! > 0) && !(v < 0) ? v : 0;
  }
  return out;
}

function addTensors(a: Tensor, b: Tensor): Tensor {
  if (a.size !== b.size) throw new ShapeError(`backward: gradient ${formatShape(b.shape)} does not match blob ${formatShape(a.shape)}`);
  const y = new Tensor(a.shape);
  for (let i = 0; i < y.size; i++) y.data[i] = a.data[i]! + b.data[i]!;
  return y;
}

/** Row-wise softmax backward: dx = y ⊙ (dy − Σ dy·y). */
function softmaxBackward(dy: Tensor, y: Tensor): Tensor {
  const [n, kk] = [y.shape[0]!, y.shape[1]!];
  const dx = new Tensor(y.shape);
  for (let r = 0; r < n; r++) {
    let dot = 0;
    for (let j = 0; j < kk; j++) dot += dy.data[r * kk + j]! * y.data[r * kk + j]!;
    for (let j = 0; j < kk; j++) dx.data[r * kk + j] = y.data[r * kk + j]! * (dy.data[r * kk + j]! - dot);
  }
  return dx;
}
