/**
 * A net's parameters: a map `<layer>.weight` / `<layer>.bias` → Tensor, checked against the spec,
 * and Caffe's initialisation for training from scratch.
 */
import { Tensor } from '../tensor/tensor.js';
import { formatShape, sameShape } from '../tensor/shape.js';
import type { NetSpec } from '../models/spec.js';
import { paramShapes } from '../models/shapes.js';
import { SeededRandom } from './random.js';

export type ParamSet = Map<string, Tensor>;

/** Thrown when weights do not fit a spec; lists every mismatch by parameter name. */
export class WeightsMismatchError extends Error {
  override name = 'WeightsMismatchError';
}

/** How many mismatches a WeightsMismatchError spells out before "… and N more". */
const SHOWN_PROBLEMS = 3;

/**
 * Throws WeightsMismatchError unless `params` holds exactly the spec's parameters with the spec's
 * shapes. The one-line message counts the mismatches (missing / wrong shape / not in the model) and
 * spells out the first few, expected vs given, e.g.
 * `weights do not fit model depth-3: 10 missing, 2 wrong shape, 14 not in the model (it has 16
 * parameters) — fc6.weight: expected [2048, 4096], given [4096, 8192]; …; … and 23 more`.
 */
export function checkParams(spec: NetSpec, params: ReadonlyMap<string, Tensor>, where = 'weights'): void {
  const expected = paramShapes(spec);
  const missing: string[] = [];
  const wrong: string[] = [];
  const extra: string[] = [];
  for (const [name, shape] of expected) {
    const t = params.get(name);
    if (!t) missing.push(`${name}: expected ${formatShape(shape)}, missing`);
    else if (!sameShape(t.shape, shape)) wrong.push(`${name}: expected ${formatShape(shape)}, given ${formatShape(t.shape)}`);
  }
  for (const [name, t] of params) {
    if (!expected.has(name)) extra.push(`${name}: not a parameter of ${spec.name}, given ${formatShape(t.shape)}`);
  }
  // Wrong shapes first: with the right layer names they are the telling ones (e.g. fc8's class count).
  const problems = [...wrong, ...missing, ...extra];
  if (problems.length === 0) return;
  const counts = [[missing, 'missing'], [wrong, 'wrong shape'], [extra, 'not in the model']]
    .filter(([list]) => list.length > 0)
    .map(([list, what]) => `${list.length} ${what}`);
  const head = problems.length === 1 ? '' : `${counts.join(', ')} (it has ${expected.size} parameters) — `;
  const rest = problems.length > SHOWN_PROBLEMS ? `; … and ${problems.length - SHOWN_PROBLEMS} more` : '';
  throw new WeightsMismatchError(`${where} do not fit model ${spec.name}: ${head}${problems.slice(0, SHOWN_PROBLEMS).join('; ')}${rest}`);
}

export interface InitOptions {
  seed?: number;
  /** Makes each zero tensor (default `new Tensor(shape)`), e.g. in a training run's parameter memory. */
  alloc?: (shape: readonly number[]) => Tensor;
}

/**
 * Caffe's initialisation from the released C3D prototxts: conv weights N(0, 0.01), bias 0 for the
 * first conv and 1 for the others; hidden fc (fc6, fc7) weights N(0, 0.005), bias 1; the classifier
 * (last fc) N(0, 0.01), bias 0.
 */
export function initParams(spec: NetSpec, opts: InitOptions = {}): ParamSet {
  const rng = new SeededRandom(opts.seed ?? 1);
  const shapes = paramShapes(spec);
  const paramLayers = spec.layers.filter((l) => l.type === 'conv3d' || l.type === 'fc');
  const firstConv = paramLayers.find((l) => l.type === 'conv3d')?.name;
  const classifier = paramLayers.at(-1)?.name;
  const params: ParamSet = new Map();
  const alloc = opts.alloc ?? ((shape: readonly number[]) => new Tensor(shape));
  for (const l of paramLayers) {
    const w = alloc(shapes.get(`${l.name}.weight`)!);
    const b = alloc(shapes.get(`${l.name}.bias`)!);
    const std = l.type === 'fc' && l.name !== classifier ? 0.005 : 0.01;
    for (let i = 0; i < w.size; i++) w.data[i] = std * rng.normal();
    const bias = l.name === firstConv || l.name === classifier ? 0 : 1;
    b.data.fill(bias);
    params.set(`${l.name}.weight`, w);
    params.set(`${l.name}.bias`, b);
  }
  return params;
}
