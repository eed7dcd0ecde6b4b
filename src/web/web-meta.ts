/**
 * metadata_props keys the page reads from .onnx files: the ones src/io/onnx-weights.ts ONNX_META names
 * (kept equal; that module reads files from disk, so it is not imported here) plus c3d.classes, which
 * tools/build-web.mjs adds to the page's demo net (our safetensors checkpoints use the same key).
 */
export const ONNX_WEB_META = {
  spec: 'c3d.spec',
  specJson: 'c3d.spec_json',
  input: 'c3d.input',
  classes: 'c3d.classes',
} as const;
