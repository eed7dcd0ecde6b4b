/**
 * Our safetensors checkpoints (`c3d convert` / `c3d train` / the demo net) in the page: the portable
 * parser (src/io/safetensors-format.ts, the same checks and one-line errors as Node) gives the tensors,
 * the `__metadata__` gives the spec, input convention and class names (src/io/checkpoint-keys.ts). The
 * page needs the spec to build the net (an ONNX graph for onnxruntime-web, or our kernels directly).
 */
import { CHECKPOINT_META, splitCheckpointTensors } from '../io/checkpoint-keys.js';
import { decodeSafetensors, looksLikeSafetensors } from '../io/safetensors-format.js';
import { analyzeSpec, blobNames } from '../models/shapes.js';
import type { NetSpec } from '../models/spec.js';
import { getModel, modelNames } from '../models/zoo.js';
import { checkParams } from '../nn/params.js';
import type { Tensor } from '../tensor/tensor.js';
import { parseRecordedSpec } from './onnx-net.js';

/** A checkpoint's net: spec, parameters by our names, and what the metadata says about its input and classes. */
export interface SafetensorsNet {
  spec: NetSpec;
  params: Map<string, Tensor>;
  /** c3d.input metadata (JSON as conventionToJSON writes it). */
  conventionJson?: string;
  /** The convention's embedded mean cube (tensor input.mean_cube), if any. */
  meanCube?: Tensor;
  classes?: string[];
}

/** Whether a weights file is safetensors: by its name (`x.safetensors`, also as a URL) or its first bytes. */
export function isSafetensorsFile(name: string, bytes: Uint8Array): boolean {
  return /\.safetensors([?#]|$)/i.test(name) || looksLikeSafetensors(bytes, bytes.length);
}

/**
 * The spec a checkpoint records: the full JSON (c3d.spec_json), else a built-in model's name (c3d.spec,
 * fc8's size taken from the weights). Files without either (e.g. a state dict saved by other tools)
 * get a one-line error naming the missing metadata and the command that adds it.
 */
function recordedSpec(metadata: Record<string, string>, params: ReadonlyMap<string, Tensor>, source: string): NetSpec {
  const json = metadata[CHECKPOINT_META.specJson];
  if (json) return parseRecordedSpec(json, source);
  const name = metadata[CHECKPOINT_META.spec];
  if (name && modelNames.includes(name)) {
    try {
      return getModel(name, { classes: params.get('fc8.weight')?.shape[0] });
    } catch (e) {
      throw new Error(`${source}: metadata ${CHECKPOINT_META.spec} '${name}': ${(e as Error).message}`);
    }
  }
  const file = source.replace(/^.*\//, '').replace(/[?#].*$/, '');
  throw new Error(
    `${source}: records no net spec (no ${CHECKPOINT_META.specJson} or built-in ${CHECKPOINT_META.spec} in its metadata): ` +
      `record it with 'c3d convert ${file} net.safetensors --model NAME' (the built-in model it belongs to, see c3d models; or --spec FILE.json)`,
  );
}

/** Decodes `bytes` as one of our safetensors checkpoints; `source` names the file in the one-line errors. */
export function readSafetensorsNet(bytes: Uint8Array, source: string): SafetensorsNet {
  const { tensors, metadata } = decodeSafetensors(bytes, source);
  const { params, meanCube } = splitCheckpointTensors(tensors);
  const spec = recordedSpec(metadata, params, source);
  try {
    checkParams(spec, params);
  } catch (e) {
    throw new Error(`${source}: ${(e as Error).message}`);
  }
  let classes: string[] | undefined;
  const classJson = metadata[CHECKPOINT_META.classes];
  if (classJson) {
    try {
      const v: unknown = JSON.parse(classJson);
      if (!Array.isArray(v) || !v.every((c) => typeof c === 'string')) throw new Error('not a list of strings');
      classes = v as string[];
    } catch (e) {
      throw new Error(`${source}: metadata ${CHECKPOINT_META.classes} is corrupt (${(e as Error).message})`);
    }
  }
  return { spec, params, conventionJson: metadata[CHECKPOINT_META.input], meanCube, classes };
}

/** Largest blob (values per clip) exposed as an output of the page's ONNX graph: descriptor layers, not the big early conv maps. */
const MAX_OUTPUT_VALUES = 1 << 20;

/**
 * The blobs the page offers as layers for a checkpoint's net: the spec's outputs plus every blob of at
 * most MAX_OUTPUT_VALUES per clip (conv4+, pool5, fc6, fc7, fc8, prob for C3D), in net order.
 */
export function pageOutputs(spec: NetSpec): string[] {
  const size = new Map(analyzeSpec(spec).map((i) => [i.outName, i.outShape.reduce((a, b) => a * b, 1)]));
  return blobNames(spec).filter((b) => spec.outputs.includes(b) || size.get(b)! <= MAX_OUTPUT_VALUES);
}
