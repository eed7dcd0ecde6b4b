/**
 * The metadata_props keys of our ONNX files — `c3d export-onnx` (spec, input convention), `c3d quantize`
 * (precision, calibration) — in a module with no Node imports, so the browser page reads them by the
 * same names as the Node loader (src/io/onnx-weights.ts).
 */
export const ONNX_META = {
  spec: 'c3d.spec',
  specJson: 'c3d.spec_json',
  input: 'c3d.input',
  /** 'int8' in files `c3d quantize` writes (src/quant), with the calibration facts as JSON. */
  precision: 'c3d.precision',
  calibration: 'c3d.calibration',
  /** Class names (JSON list), the key our safetensors checkpoints use; the page's demo net carries it. */
  classes: 'c3d.classes',
} as const;
