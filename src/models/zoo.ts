/**
 * The built-in nets. Each is a spec produced from a few numbers (the torchvision idea: the family
 * differs by a parameter, not by copied code). Options scale any of them down so small versions
 * train on a CPU: `width` multiplies every hidden channel count, `size` / `length` change the crop.
 */
import type { Triple } from '../kernels/api.js';
import type { LayerSpec, NetSpec, Pool3dLayer } from './spec.js';
import { analyzeSpec, SpecError } from './shapes.js';

export interface ModelOptions {
  /** Classifier outputs (fc8). Default: 487 for c3d-*, 101 for the search family. */
  classes?: number;
  /** Channel multiplier for every conv and hidden fc layer (default 1). */
  width?: number;
  /** Spatial crop H = W (default: 112, or the net's own for net-64/128/256). */
  size?: number;
  /** Clip length L in frames (default 16). */
  length?: number;
}

interface BlockPlan {
  /** Conv layer names and output channels of this block, then its pool. */
  convs: Array<[string, number, number]>; // [name, channels, temporal depth]
  pool: string;
  poolKernel: Triple;
}

/** Builds conv → relu … → pool blocks, then fc6/relu6/drop6, fc7/relu7/drop7, fc8, prob. */
function buildNet(
  name: string,
  blocks: BlockPlan[],
  hidden: number,
  opts: Required<ModelOptions>,
  pool5Override?: Pick<Pool3dLayer, 'pad' | 'rounding'>,
): NetSpec {
  const scale = (c: number) => Math.max(1, Math.round(c * opts.width));
  const layers: LayerSpec[] = [];
  for (const b of blocks) {
    for (const [conv, channels, d] of b.convs) {
      layers.push({ type: 'conv3d', name: conv, out: scale(channels), kernel: [d, 3, 3], pad: [(d - 1) / 2, 1, 1], stride: [1, 1, 1] });
      layers.push({ type: 'relu', name: `relu${conv.slice(4)}` });
    }
    const pool: Pool3dLayer = { type: 'pool3d', name: b.pool, kernel: b.poolKernel, stride: b.poolKernel, pad: [0, 0, 0], rounding: 'ceil' };
    layers.push(b.pool === 'pool5' && pool5Override ? { ...pool, ...pool5Override } : pool);
  }
  layers.push(
    { type: 'fc', name: 'fc6', out: scale(hidden) },
    { type: 'relu', name: 'relu6' },
    { type: 'dropout', name: 'drop6', p: 0.5 },
    { type: 'fc', name: 'fc7', out: scale(hidden) },
    { type: 'relu', name: 'relu7' },
    { type: 'dropout', name: 'drop7', p: 0.5 },
    { type: 'fc', name: 'fc8', out: opts.classes },
    { type: 'softmax', name: 'prob' },
  );
  const lastConv = blocks[blocks.length - 1]!.convs.at(-1)![0];
  const spec: NetSpec = {
    name,
    input: [3, opts.length, opts.size, opts.size],
    layers,
    outputs: [lastConv, 'pool5', 'fc6', 'fc7', 'fc8', 'prob'],
  };
  analyzeSpec(spec); // fail now, naming the layer, if the options make a window not fit
  return spec;
}

const P1: Triple = [1, 2, 2]; // pool1 keeps time: "not to merge the temporal signal too early" (§3.1)
const P2: Triple = [2, 2, 2];

/** C3D (paper fig. 3): 8 convs 3×3×3, 5 pools, fc 4096. */
function c3d(name: string, opts: Required<ModelOptions>, pool5Override?: Pick<Pool3dLayer, 'pad' | 'rounding'>): NetSpec {
  const blocks: BlockPlan[] = [
    { convs: [['conv1a', 64, 3]], pool: 'pool1', poolKernel: P1 },
    { convs: [['conv2a', 128, 3]], pool: 'pool2', poolKernel: P2 },
    { convs: [['conv3a', 256, 3], ['conv3b', 256, 3]], pool: 'pool3', poolKernel: P2 },
    { convs: [['conv4a', 512, 3], ['conv4b', 512, 3]], pool: 'pool4', poolKernel: P2 },
    { convs: [['conv5a', 512, 3], ['conv5b', 512, 3]], pool: 'pool5', poolKernel: P2 },
  ];
  return buildNet(name, blocks, 4096, opts, pool5Override);
}

/** §3.1 common setting: 5 convs (64, 128, 256, 256, 256) each followed by a pool, fc 2048. */
function searchNet(name: string, depths: readonly number[], opts: Required<ModelOptions>): NetSpec {
  const channels = [64, 128, 256, 256, 256];
  const blocks: BlockPlan[] = channels.map((c, i) => ({
    convs: [[`conv${i + 1}`, c, depths[i]!]],
    pool: `pool${i + 1}`,
    poolKernel: i === 0 ? P1 : P2,
  }));
  return buildNet(name, blocks, 2048, opts);
}

interface ModelEntry {
  summary: string;
  defaults: Required<ModelOptions>;
  build(name: string, opts: Required<ModelOptions>): NetSpec;
}

const search = (summary: string, depths: number[], size = 112): ModelEntry => ({
  summary,
  defaults: { classes: 101, width: 1, size, length: 16 },
  build: (n, o) => searchNet(n, depths, o),
});

const MODELS: Record<string, ModelEntry> = {
  'c3d-sports1m': {
    summary: 'C3D (fig. 3), Caffe ceil pooling; the released Sports-1M model',
    defaults: { classes: 487, width: 1, size: 112, length: 16 },
    build: (n, o) => c3d(n, o),
  },
  'c3d-pytorch-port': {
    // The PyTorch ports use MaxPool3d(2, 2, padding=(0, 1, 1)) (floor) for pool5: same 4×4 shape,
    // windows {pad,0},{1,2},{3,4},{5,6} instead of Caffe's {0,1},{2,3},{4,5},{6}.
    summary: 'C3D with the PyTorch port\'s pool5 (pad 0,1,1, floor)',
    defaults: { classes: 487, width: 1, size: 112, length: 16 },
    build: (n, o) => c3d(n, o, { pad: [0, 1, 1], rounding: 'floor' }),
  },
  'depth-1': search('§3.2 search net, conv temporal depth 1 (2D convs per frame)', [1, 1, 1, 1, 1]),
  'depth-3': search('§3.2 search net, conv temporal depth 3 (= net-128)', [3, 3, 3, 3, 3]),
  'depth-5': search('§3.2 search net, conv temporal depth 5', [5, 5, 5, 5, 5]),
  'depth-7': search('§3.2 search net, conv temporal depth 7', [7, 7, 7, 7, 7]),
  increasing: search('§3.2 search net, temporal depths 3-3-5-5-7', [3, 3, 5, 5, 7]),
  decreasing: search('§3.2 search net, temporal depths 7-5-5-3-3', [7, 5, 5, 3, 3]),
  'net-64': search('appendix A, 56×56 crops of 64×64 frames', [3, 3, 3, 3, 3], 56),
  'net-128': search('appendix A, 112×112 crops of 128×128 frames', [3, 3, 3, 3, 3], 112),
  'net-256': search('appendix A, 224×224 crops of 256×256 frames', [3, 3, 3, 3, 3], 224),
};

/** Names of every built-in net, in `c3d models` order. */
export const modelNames: readonly string[] = Object.freeze(Object.keys(MODELS));

/** One-line description of a built-in net. */
export function modelSummary(name: string): string {
  return entry(name).summary;
}

/** Default options of a built-in net. */
export function modelDefaults(name: string): Required<ModelOptions> {
  return { ...entry(name).defaults };
}

function entry(name: string): ModelEntry {
  const e = Object.prototype.hasOwnProperty.call(MODELS, name) ? MODELS[name] : undefined;
  if (!e) throw new SpecError(`unknown model '${name}' (known: ${modelNames.join(', ')})`);
  return e;
}

function checkOption(model: string, what: string, v: number, integer: boolean): void {
  if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isSafeInteger(v))) {
    throw new SpecError(`model ${model}: ${what} must be a positive ${integer ? 'integer' : 'number'}, got ${v}`);
  }
}

/**
 * The spec of a built-in net. Throws SpecError for an unknown name (listing the known ones),
 * classes ≤ 0, a non-positive width, or a crop too small for the net's five pools.
 */
export function getModel(name: string, options: ModelOptions = {}): NetSpec {
  const e = entry(name);
  const o: Required<ModelOptions> = { ...e.defaults };
  for (const [k, v] of Object.entries(options) as Array<[keyof ModelOptions, number | undefined]>) {
    if (v !== undefined) o[k] = v;
  }
  checkOption(name, 'classes', o.classes, true);
  checkOption(name, 'width', o.width, false);
  checkOption(name, 'size', o.size, true);
  checkOption(name, 'length', o.length, true);
  const changed = (Object.keys(o) as Array<keyof ModelOptions>).filter((k) => o[k] !== e.defaults[k]);
  const label = changed.length ? `${name} (${changed.map((k) => `${k} ${o[k]}`).join(', ')})` : name;
  return e.build(label, o);
}
