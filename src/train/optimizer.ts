/**
 * The solvers of `c3d train`: Caffe's SGD with momentum (what C3D was trained with), and Adam / AdamW
 * as PyTorch defines them, each with Caffe's per-parameter lr / decay multipliers and PyTorch's
 * global-norm gradient clipping. Parameters are updated in place; the caller's gradients are only read.
 *
 * Arithmetic: every element is computed in JS doubles and stored as float32 where PyTorch stores a
 * float32 tensor (parameters, momentum, moments), which matches PyTorch float32 to ~1e-7 relative.
 */
import { tensorsIn, type ParamMemory } from './param-memory.js';
import { Tensor } from '../tensor/tensor.js';
import { formatShape, sameShape } from '../tensor/shape.js';
import type { ParamSet } from '../nn/params.js';
import type { NetSpec } from '../models/spec.js';
import { isParamLayer } from '../models/spec.js';
import type { Optimizer, OptimizerConfig, OptimizerKind, OptimizerState, ParamRule } from './optimizer-api.js';

/** Thrown for a bad optimizer config, a gradient set that does not fit, or state that cannot be loaded. */
export class OptimizerError extends Error {
  override name = 'OptimizerError';
}

export const OPTIMIZER_KINDS: readonly OptimizerKind[] = Object.freeze(['sgd', 'adam', 'adamw']);

/** PyTorch's optimizer defaults, and Caffe's momentum 0.9 (every released C3D solver). */
export const DEFAULT_OPTIMIZER_CONFIG: Readonly<OptimizerConfig> = Object.freeze({
  kind: 'sgd',
  momentum: 0.9,
  weightDecay: 0,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
});

/** The state buffers of each kind, saved as `<prefix>.<param>`. */
const BUFFERS: Record<OptimizerKind, readonly string[]> = {
  sgd: ['momentum'],
  adam: ['adam_m', 'adam_v'],
  adamw: ['adam_m', 'adam_v'],
};

/** How many parameter-sized buffers an optimizer of this kind keeps (SGD 1, Adam 2). */
export function optimizerBufferCount(kind: OptimizerKind): number {
  return BUFFERS[kind].length;
}

/** PyTorch clip_grad_norm_'s guard against dividing by a zero norm. */
const CLIP_EPS = 1e-6;

/**
 * An optimizer for `config`; `rules(param)` gives each parameter's lr / decay multipliers (see
 * `caffeParamRules`), asked once per parameter name.
 *
 * - sgd (Caffe's SGDSolver): V ← m·V + lr_p·(g + wd_p·w); w ← w − V, with lr_p = lr·lrMult and
 *   wd_p = wd·decayMult. Caffe keeps the learning rate inside the history V; PyTorch's SGD keeps
 *   B ← m·B + (g + wd_p·w) and steps w ← w − lr_p·B. With a constant lr the two are the same
 *   (V = lr_p·B). When the lr changes (a step of the schedule), Caffe's V still carries the old
 *   rate and decays into the new one over ~1/(1 − m) iterations, while PyTorch's update changes at
 *   once. We follow Caffe, the solver the released C3D models were trained with; the saved
 *   `momentum.*` buffers are Caffe's V (PyTorch's momentum_buffer times lr_p).
 * - adam (torch.optim.Adam, L2 decay): g ← g + wd_p·w; m ← β1·m + (1 − β1)·g; v ← β2·v + (1 − β2)·g²;
 *   w ← w − lr_p/(1 − β1^t) · m / (√v/√(1 − β2^t) + ε). Caffe's AdamSolver adds ε to the
 *   uncorrected √v instead (w ← w − lr_p·√(1 − β2^t)/(1 − β1^t) · m/(√v + ε)), i.e. an ε larger by
 *   1/√(1 − β2^t) in the first iterations. We follow PyTorch, which users compare their runs with.
 * - adamw (torch.optim.AdamW): w ← w·(1 − lr_p·wd_p), then the Adam step without decay in g.
 * - lrMult 0: the parameter is frozen: not updated and left out of the gradient norm (as a PyTorch
 *   parameter with requires_grad off); its buffers exist (zeros) and save / load with the others.
 * - clipGrad: every gradient is scaled by min(1, clipGrad / (‖g‖ + 1e-6)), ‖g‖ the global L2 norm
 *   over the trained parameters (torch.nn.utils.clip_grad_norm_), before weight decay is added (as
 *   in Caffe and PyTorch). The scale is applied while updating: `grads` are never written.
 *
 * Adam's bias correction uses the optimizer's step count t (all parameters step together).
 *
 * `save()` hands out the live buffers, not copies (a full C3D's Adam moments are 640 MB): write them
 * out before the next `step()`. `load()` copies what it is given.
 */
export interface OptimizerOptions {
  /**
   * Where the optimizer's buffers live. When the parameters and gradients are there too (the training
   * loop puts them there), SGD updates them with WebAssembly SIMD (src/train/param-memory.ts).
   */
  memory?: ParamMemory;
}

export function createOptimizer(config: OptimizerConfig, rules: (param: string) => ParamRule, opts: OptimizerOptions = {}): Optimizer {
  checkConfig(config);
  const cfg: OptimizerConfig = Object.freeze({ ...config });
  const prefixes = BUFFERS[cfg.kind];
  /** Buffers per parameter, in `prefixes` order; empty until the first step (or a load). */
  let buffers = new Map<string, Float32Array[]>();
  let shapes = new Map<string, readonly number[]>();
  let step = 0;
  const ruleCache = new Map<string, ParamRule>();
  const memory = opts.memory;
  const tensor = tensorsIn(memory);
  const zeros = (shape: readonly number[]): Float32Array => tensor(shape).data;

  const ruleOf = (name: string): ParamRule => {
    let r = ruleCache.get(name);
    if (!r) {
      r = rules(name);
      if (!(Number.isFinite(r.lrMult) && r.lrMult >= 0) || !(Number.isFinite(r.decayMult) && r.decayMult >= 0)) {
        throw new OptimizerError(`optimizer: ${name}: lr and decay multipliers must be non-negative numbers, got lr ×${r.lrMult}, decay ×${r.decayMult}`);
      }
      ruleCache.set(name, r);
    }
    return r;
  };

  /** Creates zero buffers on the first step; afterwards the params must be the ones they were made for. */
  const buffersFor = (params: ParamSet): void => {
    if (buffers.size === 0) {
      for (const [name, w] of params) {
        buffers.set(name, prefixes.map(() => zeros(w.shape)));
        shapes.set(name, w.shape);
      }
      return;
    }
    for (const [name, w] of params) {
      const s = shapes.get(name);
      if (!s) throw new OptimizerError(`optimizer: parameter ${name} has no ${prefixes.join('/')} buffer (the state was made for other parameters)`);
      if (!sameShape(s, w.shape)) throw new OptimizerError(`optimizer: parameter ${name} is ${formatShape(w.shape)} but its ${prefixes[0]} buffer is ${formatShape(s)}`);
    }
    if (buffers.size !== params.size) {
      const missing = [...buffers.keys()].filter((n) => !params.has(n));
      throw new OptimizerError(`optimizer: the state has buffers for parameters not given: ${missing.join(', ')}`);
    }
  };

  return {
    config: cfg,

    step(params: ParamSet, grads: ParamSet, lr: number, sumSquares?: ReadonlyMap<string, number>): number {
      if (!Number.isFinite(lr) || lr < 0) throw new OptimizerError(`optimizer: learning rate must be a non-negative number, got ${lr}`);
      // Check everything before touching anything: a failed step leaves params and state as they were.
      let sumSq = 0;
      for (const [name, w] of params) {
        const g = grads.get(name);
        if (!g) throw new OptimizerError(`optimizer: no gradient for ${name}`);
        if (!sameShape(g.shape, w.shape)) throw new OptimizerError(`optimizer: gradient of ${name} is ${formatShape(g.shape)}, the parameter ${formatShape(w.shape)}`);
        if (ruleOf(name).lrMult === 0) continue;
        const s = sumSquares?.get(name) ?? sumOfSquares(g.data);
        if (!Number.isFinite(s)) throw new OptimizerError(`optimizer: the gradient of ${name} is not finite (NaN or infinity; learning rate too high?): parameters left unchanged`);
        sumSq += s;
      }
      buffersFor(params);
      const norm = Math.sqrt(sumSq);
      const scale = cfg.clipGrad !== undefined ? Math.min(1, cfg.clipGrad / (norm + CLIP_EPS)) : 1;
      step++;
      for (const [name, w] of params) {
        const rule = ruleOf(name);
        if (rule.lrMult === 0) continue;
        const lrP = lr * rule.lrMult;
        const wdP = cfg.weightDecay * rule.decayMult;
        const g = grads.get(name)!.data;
        const bufs = buffers.get(name)!;
        if (cfg.kind === 'sgd' && memory?.holds(w.data, g, bufs[0]!)) memory.sgd(w.data, g, bufs[0]!, scale, cfg.momentum, lrP, wdP);
        else if (cfg.kind === 'sgd') sgdUpdate(w.data, g, scale, bufs[0]!, cfg.momentum, lrP, wdP);
        else adamUpdate(w.data, g, scale, bufs[0]!, bufs[1]!, cfg, step, lrP, wdP);
      }
      return norm;
    },

    save(): OptimizerState {
      const tensors = new Map<string, Tensor>();
      for (const [name, bufs] of buffers) {
        prefixes.forEach((p, k) => tensors.set(`${p}.${name}`, new Tensor(shapes.get(name)!, bufs[k]!)));
      }
      return { tensors, state: { kind: cfg.kind, step } };
    },

    load(s: OptimizerState, params: ParamSet): void {
      const kind = s.state['kind'];
      if (kind !== undefined && kind !== cfg.kind) {
        throw new OptimizerError(`optimizer state: saved by a ${String(kind)} optimizer, cannot continue with ${cfg.kind}`);
      }
      const savedStep = s.state['step'] ?? 0;
      if (typeof savedStep !== 'number' || !Number.isSafeInteger(savedStep) || savedStep < 0) {
        throw new OptimizerError(`optimizer state: step must be a non-negative integer, got ${JSON.stringify(savedStep)}`);
      }
      const nextBuffers = new Map<string, Float32Array[]>();
      const nextShapes = new Map<string, readonly number[]>();
      for (const [key, t] of s.tensors) {
        const dot = key.indexOf('.');
        const prefix = key.slice(0, dot);
        const name = key.slice(dot + 1);
        const k = prefixes.indexOf(prefix);
        if (dot < 0 || k < 0) throw new OptimizerError(`optimizer state: unexpected buffer '${key}' (a ${cfg.kind} optimizer has ${prefixes.map((p) => `${p}.<param>`).join(', ')})`);
        const w = params.get(name);
        if (!w) throw new OptimizerError(`optimizer state: buffer '${key}' is for ${name}, not a parameter of the net`);
        if (!sameShape(t.shape, w.shape)) throw new OptimizerError(`optimizer state: buffer '${key}' is ${formatShape(t.shape)}, the parameter ${formatShape(w.shape)}`);
        let bufs = nextBuffers.get(name);
        if (!bufs) nextBuffers.set(name, (bufs = []));
        bufs[k] = zeros(t.shape); // a copy: the caller's tensors stay theirs
        bufs[k].set(t.data);
        nextShapes.set(name, w.shape);
      }
      if (nextBuffers.size > 0 || savedStep > 0) {
        for (const name of params.keys()) {
          for (const [k, p] of prefixes.entries()) {
            if (!nextBuffers.get(name)?.[k]) throw new OptimizerError(`optimizer state: no buffer '${p}.${name}'`);
          }
        }
      }
      buffers = nextBuffers;
      shapes = nextShapes;
      step = savedStep;
    },
  };
}

/** Σ d², in four interleaved double sums (four independent add chains: ≈ 2× faster than one in V8). */
function sumOfSquares(d: Float32Array): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const n4 = d.length & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const a = d[i]!;
    const b = d[i + 1]!;
    const c = d[i + 2]!;
    const e = d[i + 3]!;
    s0 += a * a;
    s1 += b * b;
    s2 += c * c;
    s3 += e * e;
  }
  for (; i < d.length; i++) s0 += d[i]! * d[i]!;
  return s0 + s1 + s2 + s3;
}

/**
 * Caffe's SGD with the lr inside the history: V ← m·V + lr_p·(s·g + wd_p·w); w ← w − V.
 * The update is bound by memory traffic (three arrays read, two written: 1.6 GB per C3D step), so
 * each element is read once into a local and the loop is unrolled by four: 0.20 → 0.17 s per C3D
 * step here. Without clipping (s = 1) the scaled gradient is the gradient itself, bit for bit.
 */
function sgdUpdate(w: Float32Array, g: Float32Array, scale: number, v: Float32Array, momentum: number, lrP: number, wdP: number): void {
  if (scale !== 1) {
    for (let i = 0; i < w.length; i++) {
      const wi = w[i]!;
      const vi = Math.fround(momentum * v[i]! + lrP * (Math.fround(g[i]! * scale) + wdP * wi));
      v[i] = vi;
      w[i] = wi - vi;
    }
    return;
  }
  const n4 = w.length & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const w0 = w[i]!;
    const w1 = w[i + 1]!;
    const w2 = w[i + 2]!;
    const w3 = w[i + 3]!;
    const v0 = Math.fround(momentum * v[i]! + lrP * (g[i]! + wdP * w0));
    const v1 = Math.fround(momentum * v[i + 1]! + lrP * (g[i + 1]! + wdP * w1));
    const v2 = Math.fround(momentum * v[i + 2]! + lrP * (g[i + 2]! + wdP * w2));
    const v3 = Math.fround(momentum * v[i + 3]! + lrP * (g[i + 3]! + wdP * w3));
    v[i] = v0;
    v[i + 1] = v1;
    v[i + 2] = v2;
    v[i + 3] = v3;
    w[i] = w0 - v0;
    w[i + 1] = w1 - v1;
    w[i + 2] = w2 - v2;
    w[i + 3] = w3 - v3;
  }
  for (; i < w.length; i++) {
    const wi = w[i]!;
    const vi = Math.fround(momentum * v[i]! + lrP * (g[i]! + wdP * wi));
    v[i] = vi;
    w[i] = wi - vi;
  }
}

/** torch.optim.Adam (L2 decay in the gradient) / AdamW (decoupled decay), single-tensor path. */
function adamUpdate(
  w: Float32Array,
  g: Float32Array,
  scale: number,
  m: Float32Array,
  v: Float32Array,
  cfg: OptimizerConfig,
  t: number,
  lrP: number,
  wdP: number,
): void {
  const { beta1, beta2, eps } = cfg;
  const stepSize = lrP / (1 - beta1 ** t);
  const bc2Sqrt = Math.sqrt(1 - beta2 ** t);
  const decoupled = cfg.kind === 'adamw';
  const l2 = decoupled ? 0 : wdP;
  const shrink = decoupled ? 1 - lrP * wdP : 1;
  for (let i = 0; i < w.length; i++) {
    const gi = Math.fround(g[i]! * scale) + l2 * w[i]!;
    const mi = (m[i] = Math.fround(beta1 * m[i]! + (1 - beta1) * gi));
    const vi = (v[i] = Math.fround(beta2 * v[i]! + (1 - beta2) * gi * gi));
    w[i] = w[i]! * shrink - (stepSize * mi) / (Math.sqrt(vi) / bc2Sqrt + eps);
  }
}

function checkConfig(c: OptimizerConfig): void {
  const fail = (what: string): never => {
    throw new OptimizerError(`optimizer ${c.kind}: ${what}`);
  };
  if (!OPTIMIZER_KINDS.includes(c.kind)) {
    throw new OptimizerError(`optimizer: unknown kind '${String(c.kind)}' (known: ${OPTIMIZER_KINDS.join(', ')})`);
  }
  if (!(Number.isFinite(c.momentum) && c.momentum >= 0 && c.momentum < 1)) fail(`momentum must be in [0, 1), got ${c.momentum}`);
  if (!(Number.isFinite(c.weightDecay) && c.weightDecay >= 0)) fail(`weight decay must be a non-negative number, got ${c.weightDecay}`);
  if (!(Number.isFinite(c.beta1) && c.beta1 >= 0 && c.beta1 < 1)) fail(`beta1 must be in [0, 1), got ${c.beta1}`);
  if (!(Number.isFinite(c.beta2) && c.beta2 >= 0 && c.beta2 < 1)) fail(`beta2 must be in [0, 1), got ${c.beta2}`);
  if (!(Number.isFinite(c.eps) && c.eps > 0)) fail(`eps must be a positive number, got ${c.eps}`);
  if (c.clipGrad !== undefined && !(Number.isFinite(c.clipGrad) && c.clipGrad > 0)) fail(`the gradient clipping norm must be a positive number, got ${c.clipGrad}`);
}

export interface CaffeRuleOptions {
  /** Learning-rate multiplier per layer name (`--lr-mult conv1a=0.1`): scales the weight's and the bias's. */
  lrMult?: ReadonlyMap<string, number>;
  /** Layer names to freeze (lr 0: not updated). */
  freeze?: ReadonlySet<string>;
}

/**
 * The multipliers of every released C3D prototxt: weights lr ×1 and decay ×1, biases lr ×2 and
 * decay ×0. `lrMult` multiplies a layer's weight and bias rates alike (so its bias stays at twice its
 * weight's), `freeze` sets a layer's rates to 0. Layer names that the spec does not have are an error
 * listing the layers it has; so is asking for a parameter the spec does not have.
 */
export function caffeParamRules(spec: NetSpec, opts: CaffeRuleOptions = {}): (param: string) => ParamRule {
  const layers = spec.layers.filter(isParamLayer).map((l) => l.name);
  const known = new Set(layers);
  const check = (names: Iterable<string>, what: string): void => {
    const unknown = [...names].filter((n) => !known.has(n));
    if (unknown.length) {
      throw new OptimizerError(`${what}: no layer ${unknown.join(', ')} with parameters in ${spec.name} (layers: ${layers.join(', ')})`);
    }
  };
  check(opts.lrMult?.keys() ?? [], 'lr multiplier');
  check(opts.freeze ?? [], 'freeze');
  for (const [layer, x] of opts.lrMult ?? []) {
    if (!(Number.isFinite(x) && x >= 0)) throw new OptimizerError(`lr multiplier of ${layer} must be a non-negative number, got ${x}`);
  }
  return (param: string): ParamRule => {
    const dot = param.lastIndexOf('.');
    const layer = param.slice(0, dot);
    const blob = param.slice(dot + 1);
    if (dot < 0 || !known.has(layer) || (blob !== 'weight' && blob !== 'bias')) {
      throw new OptimizerError(`optimizer: ${param} is not a parameter of ${spec.name} (layers: ${layers.join(', ')})`);
    }
    const layerMult = opts.freeze?.has(layer) ? 0 : (opts.lrMult?.get(layer) ?? 1);
    return blob === 'weight' ? { lrMult: layerMult, decayMult: 1 } : { lrMult: 2 * layerMult, decayMult: 0 };
  };
}

/**
 * Parses `--lr-mult` values: `LAYER=X` items, repeated or comma-separated (`conv1a=0.1,conv2a=0.5`),
 * into a map for `caffeParamRules`. A layer given twice is an error (which one would win is a guess).
 */
export function parseLrMults(values: string | readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const value of typeof values === 'string' ? [values] : values) {
    for (const item of value.split(',').map((s) => s.trim())) {
      const m = /^([^=\s]+)=(.+)$/.exec(item);
      const x = m ? Number(m[2]) : NaN;
      if (!m || !Number.isFinite(x) || x < 0) {
        throw new OptimizerError(`lr multiplier '${item}': expected LAYER=X with X a non-negative number, e.g. conv1a=0.1`);
      }
      if (out.has(m[1]!)) throw new OptimizerError(`lr multiplier: layer ${m[1]} given twice`);
      out.set(m[1]!, x);
    }
  }
  return out;
}
