/**
 * ONNX export to files: the model (built by the portable ./onnx-model.ts, re-exported here so every
 * existing import keeps working) plus the spec and input convention as metadata_props.
 */
import { appendFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import onnxProto from 'onnx-proto';
import type { Tensor } from '../tensor/tensor.js';
import type { NetSpec } from '../models/spec.js';
import { modelNames } from '../models/zoo.js';
import { conventionToJSON, type InputConvention } from './convention.js';
import { ONNX_META } from './onnx-weights.js';
import { buildOnnxModel, type OnnxExportOptions } from './onnx-model.js';

export {
  buildOnnxModel,
  buildOnnxModelWithExternalData,
  forwardLayerNodes,
  onnxPoolPads,
  ONNX_OPSET,
  type OnnxExportOptions,
  type OnnxModelWithExternalData,
} from './onnx-model.js';

const { onnx } = onnxProto;

/**
 * Writes the model to `path` (via a temp file and rename, so readers never see half a file), with
 * the spec and input convention as metadata_props. Those are appended as a second ModelProto
 * fragment: protobuf merges concatenated messages, and the weights are not copied again.
 */
export function writeOnnxModel(path: string, spec: NetSpec, params: ReadonlyMap<string, Tensor>, opts: OnnxExportOptions = {}): number {
  const bytes = buildOnnxModel(spec, params, opts);
  const meta = onnx.ModelProto.encode(onnx.ModelProto.create({ metadataProps: metadataProps(spec, opts.convention) })).finish();
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, bytes);
    appendFileSync(tmp, meta);
    renameSync(tmp, path);
  } catch (err) {
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw err;
  }
  return bytes.length + meta.length;
}

/** The metadata_props our ONNX files record: the spec (registry name and JSON) and the input convention. */
export function metadataProps(spec: NetSpec, convention: InputConvention | undefined): onnxProto.onnx.IStringStringEntryProto[] {
  // spec.name is the registry name plus any changed options: "depth-3 (classes 6, width 0.25)".
  const registry = modelNames.find((m) => spec.name === m || spec.name.startsWith(`${m} (`));
  const props: onnxProto.onnx.IStringStringEntryProto[] = [{ key: ONNX_META.specJson, value: JSON.stringify(spec) }];
  if (registry) props.push({ key: ONNX_META.spec, value: registry });
  if (convention) props.push({ key: ONNX_META.input, value: conventionToJSON(convention) });
  return props;
}
