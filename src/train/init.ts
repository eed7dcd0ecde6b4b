/**
 * Where training starts: fresh weights under one of three initialisation schemes, or a weights file
 * for fine-tuning, copied layer by layer where it fits the net and re-initialised where it does not
 * (the new classifier of a different class count, layers the file does not have).
 */
import { Tensor } from '../tensor/tensor.js';
import { formatShape, sameShape } from '../tensor/shape.js';
import type { NetSpec } from '../models/spec.js';
import { isParamLayer } from '../models/spec.js';
import { paramShapes } from '../models/shapes.js';
import { checkParams, initParams, type ParamSet } from '../nn/params.js';
import { SeededRandom } from '../nn/random.js';

/** 'caffe': the released prototxts' fillers; 'pytorch': torch's Conv3d / Linear defaults; 'kaiming': He normal. */
export type InitScheme = 'caffe' | 'pytorch' | 'kaiming';

export const INIT_SCHEMES: readonly InitScheme[] = Object.freeze(['caffe', 'pytorch', 'kaiming']);

/**
 * Fresh parameters for `spec`, reproducible from `seed` (one SeededRandom stream, layers in spec
 * order, weight before bias):
 *
 * - caffe: `initParams` of src/nn/params.ts — conv weights N(0, 0.01), bias 0 for the first conv and
 *   1 for the others; fc6/fc7 N(0, 0.005) bias 1; the classifier N(0, 0.01) bias 0.
 * - pytorch: what nn.Conv3d / nn.Linear.reset_parameters draw. The weight is kaiming_uniform_ with
 *   a = √5: gain √(2/(1 + a²)) = √(1/3), bound gain·√3/√fan_in = 1/√fan_in; the bias is uniform in
 *   ±1/√fan_in too. So every value is uniform in [−1/√fan_in, 1/√fan_in), fan_in = C·kd·kh·kw for a
 *   conv and the input size for an fc.
 * - kaiming: He et al. 2015, fan_in mode with the ReLU gain: weights N(0, √(2/fan_in)), biases 0
 *   (torch.nn.init.kaiming_normal_(w, mode='fan_in', nonlinearity='relu')).
 */
export function initWeights(spec: NetSpec, scheme: InitScheme, seed: number, alloc: (shape: readonly number[]) => Tensor = (shape) => new Tensor(shape)): ParamSet {
  if (scheme === 'caffe') return initParams(spec, { seed, alloc });
  if (!INIT_SCHEMES.includes(scheme)) {
    throw new Error(`init: unknown scheme '${String(scheme)}' (known: ${INIT_SCHEMES.join(', ')})`);
  }
  const rng = new SeededRandom(seed);
  const shapes = paramShapes(spec);
  const params: ParamSet = new Map();
  for (const l of spec.layers.filter(isParamLayer)) {
    const w = alloc(shapes.get(`${l.name}.weight`)!);
    const b = alloc(shapes.get(`${l.name}.bias`)!);
    const fanIn = w.size / w.shape[0]!;
    if (scheme === 'pytorch') {
      const bound = 1 / Math.sqrt(fanIn);
      for (const t of [w, b]) for (let i = 0; i < t.size; i++) t.data[i] = (2 * rng.uniform() - 1) * bound;
    } else {
      const std = Math.sqrt(2 / fanIn);
      for (let i = 0; i < w.size; i++) w.data[i] = std * rng.normal();
    }
    params.set(`${l.name}.weight`, w);
    params.set(`${l.name}.bias`, b);
  }
  return params;
}

/** What `initFromWeights` did, layer by layer, for the CLI to print (`formatInitReport`). */
export interface InitReport {
  /** Layers whose weight and bias came from the file, in spec order. */
  copied: string[];
  /** Layers that kept their fresh initialisation, with why the file's could not be used. */
  reinitialised: Array<{ layer: string; reason: string }>;
  /** File tensors that were not used (mismatched layers, names the net does not have). */
  ignored: string[];
}

/**
 * Fine-tuning start: every layer whose weight AND bias are in `loaded` (names after the loader's key
 * mapping, e.g. fc6-1 → fc6) with the spec's shapes is taken from the file; any other layer keeps its
 * tensors from `fresh` (e.g. fc8 for a new class count: "shape [487, 4096] in the file ≠ [101, 4096]
 * in the net", or "not in the weights file"). A layer's weight and bias go together or not at all —
 * a file weight beside a fresh bias would be neither model.
 *
 * The returned params share the tensors of `loaded` and `fresh` (no copies: a full C3D is 320 MB);
 * training updates them in place.
 */
export function initFromWeights(
  spec: NetSpec,
  loaded: ReadonlyMap<string, Tensor>,
  fresh: ParamSet,
): InitReport & { params: ParamSet } {
  checkParams(spec, fresh, 'fresh weights');
  const shapes = paramShapes(spec);
  const params: ParamSet = new Map();
  const copied: string[] = [];
  const reinitialised: InitReport['reinitialised'] = [];
  const used = new Set<string>();
  for (const l of spec.layers.filter(isParamLayer)) {
    const reason = mismatch(l.name, loaded, shapes);
    for (const blob of ['weight', 'bias']) {
      const name = `${l.name}.${blob}`;
      params.set(name, reason === null ? loaded.get(name)! : fresh.get(name)!);
      if (reason === null) used.add(name);
    }
    if (reason === null) copied.push(l.name);
    else reinitialised.push({ layer: l.name, reason });
  }
  const ignored = [...loaded.keys()].filter((k) => !used.has(k));
  return { params, copied, reinitialised, ignored };
}

/** Why the file's tensors of `layer` cannot be used, or null when they can. */
function mismatch(layer: string, loaded: ReadonlyMap<string, Tensor>, shapes: ReadonlyMap<string, readonly number[]>): string | null {
  const w = loaded.get(`${layer}.weight`);
  const b = loaded.get(`${layer}.bias`);
  if (!w && !b) return 'not in the weights file';
  if (!w) return 'weight not in the weights file (only the bias is)';
  if (!b) return 'bias not in the weights file (only the weight is)';
  const ws = shapes.get(`${layer}.weight`)!;
  const bs = shapes.get(`${layer}.bias`)!;
  if (!sameShape(w.shape, ws)) return `shape ${formatShape(w.shape)} in the file ≠ ${formatShape(ws)} in the net`;
  if (!sameShape(b.shape, bs)) return `bias shape ${formatShape(b.shape)} in the file ≠ ${formatShape(bs)} in the net`;
  return null;
}

/**
 * The lines `c3d train` prints about its starting point, e.g.
 *   copied from the weights file (8 layers): conv1a, conv2a, …
 *   re-initialised fc8 (caffe init): shape [487, 4096] in the file ≠ [101, 4096] in the net
 *   ignored in the weights file (2 tensors): fc8.weight, fc8.bias
 * plus a warning when nothing was copied (the usual cause: names that the key mapping did not fix).
 */
export function formatInitReport(report: InitReport, scheme?: InitScheme): string[] {
  const lines: string[] = [];
  const how = scheme ? ` (${scheme} init)` : '';
  if (report.copied.length) {
    lines.push(`copied from the weights file (${report.copied.length} layer${report.copied.length === 1 ? '' : 's'}): ${report.copied.join(', ')}`);
  } else {
    lines.push('warning: no layer copied from the weights file, every layer starts fresh: do its parameter names match the net (key mapping)?');
  }
  for (const r of report.reinitialised) lines.push(`re-initialised ${r.layer}${how}: ${r.reason}`);
  if (report.ignored.length) {
    lines.push(`ignored in the weights file (${report.ignored.length} tensor${report.ignored.length === 1 ? '' : 's'}): ${report.ignored.join(', ')}`);
  }
  return lines;
}
