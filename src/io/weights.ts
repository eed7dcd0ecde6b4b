/**
 * One entry point for every weights file users hold: the C3D Caffe release (.caffemodel), torch.save
 * files (.pt/.pth zip, legacy .pickle such as the port's c3d.pickle, MMAction2 checkpoints) and our
 * own safetensors checkpoints. Everything is read and validated BEFORE `loadWeights` returns, so a bad
 * file never leaves a half-loaded model behind.
 */
import { Tensor, formatShape, sameShape } from '../tensor/index.js';
import { getModel, modelNames, paramShapes, parseNetSpec, type ModelOptions, type NetSpec } from '../models/index.js';
import { readCaffemodel, writeCaffemodel, type CaffeLayer, type CaffeLayerOut } from './caffe/caffemodel.js';
import { readBinaryproto, type CaffeBlob } from './caffe/blob.js';
import { WeightsError } from './errors.js';
import { detectFormat, type WeightsFormat } from './format.js';
import { detectPreset, mapKeys, resolveKeyRules, type KeyMapPreset, type KeyRule } from './keymap.js';
import { ONNX_META, readOnnxWeights, type OnnxSummary } from './onnx-weights.js';
import { readSafetensors, writeSafetensors } from './safetensors.js';
import { CHECKPOINT_META, MEAN_TENSOR, OPTIMIZER_PREFIX, splitCheckpointTensors } from './checkpoint-keys.js';
import { readTorchFile } from './torch/load.js';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  CAFFE_CONVENTION,
  conventionFromJSON,
  conventionToJSON,
  MMACTION_CONVENTION,
  PORT_CONVENTION,
  parseChannels,
  parseMean,
  type ChannelOrder,
  type InputConvention,
  type MeanSpec,
} from './convention.js';

/** A complete, validated set of parameters named `<layer>.weight` / `<layer>.bias`. */
export interface WeightSet {
  /** conv weight (O,C,kd,kh,kw), fc weight (O,K), bias (O). */
  params: Map<string, Tensor>;
  /**
   * Registry name of the built-in model the weights belong to (what `getModel` takes), when known:
   * 'c3d-sports1m' for Caffe files, 'c3d-pytorch-port' for the port / MMAction2, as recorded in ours.
   */
  spec?: string;
  /**
   * The full spec, when the file records it (our checkpoints do, so the file alone describes the net,
   * including width/size/classes options). Prefer it over `spec` when present.
   */
  specDef?: NetSpec;
  /** Channel order and mean the weights expect; undefined when the file does not say. */
  convention?: InputConvention;
  /** Class names by classifier output index, when recorded (our trained checkpoints record them). */
  classes?: string[];
  /** The file the weights came from (for messages and provenance). */
  source: string;
  /**
   * For an int8 model written by `c3d quantize`: its ONNX bytes (run as they are by onnxruntime) and
   * its calibration facts (JSON); `params` then hold the dequantised weights.
   */
  int8?: { model: Uint8Array; calibration?: string };
  format?: WeightsFormat;
}

export interface LoadOptions {
  /** Key renaming: 'auto' (default: detected from the keys), a preset, `old=new,...`, a .json file, or rules. */
  map?: 'auto' | KeyMapPreset | string | KeyRule[];
  /** The spec's parameter shapes (e.g. `paramShapes(spec)` from src/models): every key must match exactly. */
  expect?: ReadonlyMap<string, readonly number[]>;
  /** Spec name to record (must agree with the one stored in our checkpoints). */
  spec?: string;
  /** Overrides of the file's input convention (`--channels`, `--mean`). */
  channels?: ChannelOrder;
  mean?: MeanSpec;
}

/**
 * Load options from the text users give (`--map`, `--channels`, `--mean` of `c3d extract` and friends;
 * a queue job carries the same strings). A `--mean FILE` cube is read now, so the loaded net carries it.
 * Throws on a bad value (a WeightsError for an unreadable mean file).
 */
export function loadOptionsFromText(t: { map?: string; channels?: string; mean?: string }): LoadOptions {
  const load: LoadOptions = {};
  if (t.map) load.map = t.map;
  if (t.channels) load.channels = parseChannels(t.channels);
  if (t.mean) {
    const mean = parseMean(t.mean);
    load.mean = mean !== 'none' && mean.kind === 'cube' ? { kind: 'cube', file: mean.file, data: readBinaryproto(mean.file!) } : mean;
  }
  return load;
}

/** Optimizer and schedule state stored beside the weights in a training checkpoint. */
export interface TrainingState {
  /** E.g. momentum buffers keyed like the params (`conv1a.weight`); stored under the `optimizer.` prefix. */
  tensors: Map<string, Tensor>;
  /** Step, epoch, learning-rate schedule position…: JSON-serialisable. */
  state: Record<string, unknown>;
}

const META = CHECKPOINT_META;

/** A file's tensors under their original names, plus what the format itself says. */
interface RawWeights {
  format: WeightsFormat;
  tensors: Map<string, Tensor>;
  preset: KeyMapPreset;
  convention?: InputConvention;
  spec?: string;
  specDef?: NetSpec;
  classes?: string[];
  training?: TrainingState;
  /** For ONNX files: opset, inputs/outputs, skipped tensors (what `c3d inspect` prints). */
  onnx?: OnnxSummary;
  int8?: WeightSet['int8'];
}

/** Reads, renames and validates; resolves only with a complete WeightSet. */
export async function loadWeights(path: string, opts: LoadOptions = {}): Promise<WeightSet> {
  return (await loadCheckpoint(path, opts)).weights;
}

/**
 * The net `c3d demo` trains (depth-3, 6 synthetic motion classes), shipped inside the package with its
 * spec, input convention and class names, so `--weights demo` works offline on a fresh install.
 */
export const DEMO_WEIGHTS = fileURLToPath(new URL('../../../assets/demo-net.safetensors', import.meta.url));

/** `demo` names the bundled demo net (unless a file called `demo` exists); any other path is itself. */
export function resolveWeightsPath(path: string): string {
  return path === 'demo' && !existsSync(path) ? DEMO_WEIGHTS : path;
}

/** Where weights come from, for the error of a weights file that does not exist. */
export const WEIGHTS_HINT =
  'convert the C3D Sports-1M release (or the PyTorch port\'s c3d.pickle) once with `c3d convert`, see docs/weights.md, or use `--weights demo` for the bundled demo net';

/** Throws a one-line WeightsError with WEIGHTS_HINT when `path` does not exist. */
export function assertWeightsFileExists(path: string): void {
  if (!existsSync(path)) throw new WeightsError(path, `no such file: ${WEIGHTS_HINT}`);
}

/** Like loadWeights, also returning the training state of our own checkpoints. */
export async function loadCheckpoint(path: string, opts: LoadOptions = {}): Promise<{ weights: WeightSet; training?: TrainingState }> {
  path = resolveWeightsPath(path);
  assertWeightsFileExists(path);
  const raw = readRaw(path);
  const names = mapKeys(path, raw.tensors.keys(), resolveKeyRules(opts.map, raw.preset));
  const params = new Map<string, Tensor>();
  for (const [name, orig] of names) params.set(name, raw.tensors.get(orig)!);
  // Our checkpoints carry their spec: check against it unless the caller brings its own shapes.
  validateParams(path, params, opts.expect ?? (raw.specDef ? paramShapes(raw.specDef) : undefined));
  if (opts.spec && raw.spec && raw.format === 'safetensors' && opts.spec !== raw.spec) {
    throw new WeightsError(path, `holds weights for spec '${raw.spec}', not '${opts.spec}'`);
  }
  let convention = raw.convention ? { ...raw.convention } : undefined;
  if (opts.channels || opts.mean) {
    const what = [opts.channels && 'channels', opts.mean && 'mean'].filter(Boolean).join(' and ');
    convention = {
      channels: opts.channels ?? convention?.channels ?? 'bgr',
      mean: opts.mean ?? convention?.mean ?? 'none',
      note: `${what} set by options${convention?.note ? `; file: ${convention.note}` : ''}`,
    };
  }
  return {
    weights: {
      params, spec: opts.spec ?? raw.spec, specDef: raw.specDef, classes: raw.classes, convention, source: path, format: raw.format,
      ...(raw.int8 ? { int8: raw.int8 } : {}),
    },
    training: raw.training,
  };
}

/** Reads any supported file into its raw tensors (no renaming, no spec check). */
export function readRaw(path: string): RawWeights {
  try {
    return readRawUnchecked(path);
  } catch (e) {
    // Corrupt bytes can still trip a check deep in a decoder (a RangeError, a bad BigInt literal):
    // report it the same way, naming the file.
    if (e instanceof WeightsError) throw e;
    throw new WeightsError(path, `corrupt file: ${(e as Error).message}`);
  }
}

function readRawUnchecked(path: string): RawWeights {
  const format = detectFormat(path);
  switch (format) {
    case 'caffemodel':
      // The release was trained with Caffe's ceil pooling: the c3d-sports1m spec (any fc8 size).
      return { format, tensors: caffeTensors(path, readCaffemodel(path).layers), preset: 'caffe', convention: CAFFE_CONVENTION, spec: 'c3d-sports1m' };
    case 'binaryproto':
      throw new WeightsError(path, 'is a Caffe mean file, not weights: pass it with --mean');
    case 'caffe-feature':
      throw new WeightsError(path, 'is a C3D feature blob (extract_image_features output), not weights');
    case 'torch-zip':
    case 'torch-legacy':
    case 'pickle': {
      const { tensors } = readTorchFile(path);
      const preset = detectPreset([...tensors.keys()]);
      const convention = preset === 'port' ? PORT_CONVENTION : preset === 'mmaction' ? MMACTION_CONVENTION : undefined;
      // The port and MMAction2 both build pool5 as MaxPool3d(2, 2, padding=(0, 1, 1)).
      const spec = preset === 'port' || preset === 'mmaction' ? 'c3d-pytorch-port' : undefined;
      return { format, tensors, preset, convention, spec };
    }
    case 'safetensors':
      return fromSafetensors(path);
    case 'onnx':
      return fromOnnx(path);
  }
}

/**
 * ONNX: the PyTorch port's / MMAction2's exports are named like their state dicts (same presets,
 * conventions and spec as their .pt files); our own exports use our names, and their spec is read
 * from the graph (pool5's padding for C3D, the graph name for the other built-in nets).
 */
function fromOnnx(path: string): RawWeights {
  const { tensors, summary, pool5, int8Model } = readOnnxWeights(path);
  const preset = detectPreset([...tensors.keys()]);
  const meta = summary.metadata;
  const int8 = int8Model ? { model: int8Model, calibration: meta.get(ONNX_META.calibration) } : undefined;
  const base = { format: 'onnx' as const, tensors, preset, onnx: summary, ...(int8 ? { int8 } : {}) };
  if (meta.has(ONNX_META.specJson)) {
    // Written by c3d (writeOnnxModel): the spec and convention are recorded, as in our checkpoints.
    try {
      const specDef = parseNetSpec(meta.get(ONNX_META.specJson)!, 'recorded spec');
      const convention = meta.has(ONNX_META.input) ? conventionFromJSON(meta.get(ONNX_META.input)!) : undefined;
      return { ...base, specDef, spec: meta.get(ONNX_META.spec), convention };
    } catch (e) {
      throw new WeightsError(path, `metadata is corrupt: ${(e as Error).message}`);
    }
  }
  if (preset === 'port') return { ...base, convention: PORT_CONVENTION, spec: 'c3d-pytorch-port' };
  if (preset === 'mmaction') return { ...base, convention: MMACTION_CONVENTION, spec: 'c3d-pytorch-port' };
  // Files exported before the metadata was recorded: C3D's pool5 padding tells the variant.
  if (tensors.has('conv1a.weight') && pool5) return { ...base, spec: pool5 === 'port' ? 'c3d-pytorch-port' : 'c3d-sports1m' };
  return base;
}

/**
 * The built-in models (`c3d models`) whose parameter shapes these params match exactly, fc8's size
 * taken from the params. Several can fit: the two C3D variants differ only in pool5, depth-3 and
 * net-128 are one net.
 */
export function fittingModels(params: ReadonlyMap<string, Tensor>): string[] {
  return modelNames.filter((name) => {
    try {
      const expect = expectedShapes(name, params);
      return expect.size === params.size && [...expect].every(([k, shape]) => {
        const t = params.get(k);
        return t !== undefined && sameShape(t.shape, shape);
      });
    } catch {
      return false; // e.g. an fc8 size the model refuses
    }
  });
}

/** Caffe blobs → our layouts: conv (O,C,kd,kh,kw) kept, ip (1,1,1,N,K) → (N,K), bias (1,1,1,1,N) → (N). */
function caffeTensors(path: string, layers: CaffeLayer[]): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const layer of layers) {
    if (layer.blobs.length === 0) continue;
    if (layer.blobs.length > 2) throw new WeightsError(path, `has ${layer.blobs.length} blobs, expected weight and bias`, layer.name);
    const [w, b] = layer.blobs;
    const isFc = layer.type === 'INNER_PRODUCT' || (layer.type !== 'CONVOLUTION3D' && w.shape[0] === 1 && w.shape[1] === 1 && w.shape[2] === 1);
    if (isFc) {
      if (w.shape[0] !== 1 || w.shape[1] !== 1 || w.shape[2] !== 1) {
        throw new WeightsError(path, `inner-product weight blob is ${w.shape.join('×')}, expected 1×1×1×N×K`, layer.name);
      }
      out.set(`${layer.name}.weight`, new Tensor([w.shape[3], w.shape[4]], w.data));
    } else {
      out.set(`${layer.name}.weight`, new Tensor(w.shape, w.data));
    }
    if (b) {
      if (b.shape.slice(0, 4).some((d) => d !== 1)) {
        throw new WeightsError(path, `bias blob is ${b.shape.join('×')}, expected 1×1×1×1×N`, layer.name);
      }
      out.set(`${layer.name}.bias`, new Tensor([b.shape[4]], b.data));
    }
  }
  if (out.size === 0) throw new WeightsError(path, 'no layer has weights');
  return out;
}

function fromSafetensors(path: string): RawWeights {
  const { tensors, metadata } = readSafetensors(path);
  const { params, optimizer: opt, meanCube } = splitCheckpointTensors(tensors);
  let convention: InputConvention | undefined;
  let state: Record<string, unknown> | undefined;
  let specDef: NetSpec | undefined;
  let classes: string[] | undefined;
  try {
    if (metadata[META.specJson]) specDef = parseNetSpec(metadata[META.specJson], 'recorded spec');
    if (metadata[META.classes]) classes = parseClassNames(metadata[META.classes]);
    if (metadata[META.input]) convention = conventionFromJSON(metadata[META.input], meanCube);
    if (metadata[META.train]) state = JSON.parse(metadata[META.train]) as Record<string, unknown>;
  } catch (e) {
    throw new WeightsError(path, `metadata is corrupt: ${(e as Error).message}`);
  }
  const training = state || opt.size ? { tensors: opt, state: state ?? {} } : undefined;
  return { format: 'safetensors', tensors: params, preset: detectPreset([...params.keys()]), convention, spec: metadata[META.spec], specDef, classes, training };
}

function parseClassNames(json: string): string[] {
  const v: unknown = JSON.parse(json);
  if (!Array.isArray(v) || !v.every((c) => typeof c === 'string')) throw new Error('class names must be a list of strings');
  return v as string[];
}

/**
 * All-or-nothing checks: names are `<layer>.weight|bias`, each bias matches its weight's output count,
 * and — given the spec's shapes — no key is missing, none is extra, every shape matches.
 */
export function validateParams(file: string, params: ReadonlyMap<string, Tensor>, expect?: ReadonlyMap<string, readonly number[]>): void {
  const problems: { layer: string; problem: string }[] = [];
  const layerOf = (k: string): string => k.replace(/\.(weight|bias)$/, '');
  for (const [k, t] of params) {
    if (!/\.(weight|bias)$/.test(k)) problems.push({ layer: k, problem: `unexpected parameter name '${k}' (not <layer>.weight/.bias; use --map)` });
    if (k.endsWith('.bias')) {
      const w = params.get(`${layerOf(k)}.weight`);
      if (t.rank !== 1) problems.push({ layer: layerOf(k), problem: `bias shape ${formatShape(t.shape)} is not 1-D` });
      else if (w && w.shape[0] !== t.shape[0]) {
        problems.push({ layer: layerOf(k), problem: `bias has ${t.shape[0]} values but weight ${formatShape(w.shape)} has ${w.shape[0]} outputs` });
      }
    }
  }
  if (expect) {
    for (const [k, shape] of expect) {
      const t = params.get(k);
      if (!t) problems.push({ layer: layerOf(k), problem: `missing ${k} (expected ${formatShape(shape)})` });
      else if (!sameShape(t.shape, shape)) {
        problems.push({ layer: layerOf(k), problem: `${k} has shape ${formatShape(t.shape)}, the spec expects ${formatShape(shape)}` });
      }
    }
    for (const k of params.keys()) {
      if (!expect.has(k)) problems.push({ layer: layerOf(k), problem: `unexpected key ${k} (not in the spec; drop it with --map ${layerOf(k)}=)` });
    }
  }
  if (problems.length) {
    const [first] = problems;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
    throw new WeightsError(file, first.problem + more, first.layer);
  }
}

/**
 * Writes our checkpoint format: safetensors whose `__metadata__` records the spec, the input convention
 * and provenance, with the mean cube (if the convention embeds one) and optimizer state as extra
 * tensors. Written to a temp file and renamed, so the target is never half-written.
 */
export async function saveSafetensors(path: string, ws: WeightSet, training?: TrainingState): Promise<void> {
  validateParams(ws.source, ws.params);
  const tensors = new Map<string, Tensor>(ws.params);
  const metadata: Record<string, string> = { format: 'pt', [META.version]: '1', [META.source]: ws.source };
  if (ws.spec) metadata[META.spec] = ws.spec;
  if (ws.specDef) metadata[META.specJson] = JSON.stringify(ws.specDef);
  if (ws.classes) metadata[META.classes] = JSON.stringify(ws.classes);
  if (ws.convention) {
    metadata[META.input] = conventionToJSON(ws.convention);
    const m = ws.convention.mean;
    if (m !== 'none' && m.kind === 'cube' && m.data) tensors.set(MEAN_TENSOR, m.data);
  }
  if (training) {
    for (const [k, t] of training.tensors) tensors.set(OPTIMIZER_PREFIX + k, t);
    metadata[META.train] = JSON.stringify(training.state);
  }
  writeSafetensors(path, tensors, metadata);
}

/**
 * The shapes a built-in model expects for these params, its fc8 size taken from the params themselves
 * (so a UCF101 fine-tuned head validates against the same spec name). Throws for an unknown model.
 */
export function expectedShapes(model: string, params: ReadonlyMap<string, Tensor>, options: ModelOptions = {}): Map<string, number[]> {
  const classes = params.get('fc8.weight')?.shape[0];
  return paramShapes(getModel(model, { classes, ...options }));
}

/**
 * Writes the weights as a facebook/C3D v1.0 caffemodel (weight layers only; pair it with the release's
 * prototxt). fc6/fc7/fc8 get the release names fc6-1/fc7-1/fc8-1 unless `releaseNames` is false.
 */
export function saveCaffemodel(path: string, ws: WeightSet, releaseNames = true): void {
  validateParams(ws.source, ws.params);
  const layers: CaffeLayerOut[] = [];
  for (const [key, w] of ws.params) {
    if (!key.endsWith('.weight')) continue;
    const layer = key.slice(0, -'.weight'.length);
    const b = ws.params.get(`${layer}.bias`);
    const name = releaseNames ? layer.replace(/^(fc[678])$/, '$1-1') : layer;
    if (w.rank === 5) {
      layers.push({ name, type: 'CONVOLUTION3D', blobs: blobs(w.shape as number[], w, b) });
    } else if (w.rank === 2) {
      layers.push({ name, type: 'INNER_PRODUCT', blobs: blobs([1, 1, 1, w.shape[0], w.shape[1]], w, b) });
    } else {
      throw new WeightsError(path, `weight ${formatShape(w.shape)} is neither a 5-D conv nor a 2-D fc weight`, layer);
    }
  }
  writeCaffemodel(path, ws.spec ?? 'c3d', layers);
}

function blobs(shape: number[], w: Tensor, b: Tensor | undefined): CaffeBlob[] {
  const out: CaffeBlob[] = [{ shape: shape as CaffeBlob['shape'], data: w.data }];
  if (b) out.push({ shape: [1, 1, 1, 1, b.shape[0]], data: b.data });
  return out;
}

/** Total number of parameter values. */
export function paramCount(params: ReadonlyMap<string, Tensor>): number {
  let n = 0;
  for (const t of params.values()) n += t.size;
  return n;
}
