/**
 * Quantising a net end to end: calibrate on clips (calibrate.ts), rewrite the graph
 * (quantize-graph.ts), and record what was done in the model's metadata — the spec and input
 * convention as our fp32 ONNX exports do, plus `c3d.precision = int8` and the calibration facts —
 * so `--weights X.int8.onnx` loads the file on its own.
 */
import type { Tensor } from '../tensor/tensor.js';
import type { NetSpec } from '../models/spec.js';
import type { InputConvention } from '../io/convention.js';
import { metadataProps } from '../io/onnx-export.js';
import { ONNX_META } from '../io/onnx-weights.js';
import { writeBytesAtomic } from '../io/atomic.js';
import { calibrate, type Calibration, type CalibrationOptions } from './calibrate.js';
import { buildQuantizedModel, int8Layers } from './quantize-graph.js';

export interface QuantizeOptions extends CalibrationOptions {
  /** Conv layers left in fp32 (fc layers and softmax always are). */
  keepFp32?: readonly string[];
  /** The input convention the weights expect (recorded in the file). */
  convention?: InputConvention;
  /** Where the calibration clips came from (e.g. the video count), recorded in the facts. */
  source?: string;
}

/** What an int8 model records about its quantisation (metadata `c3d.calibration`, JSON). */
export interface CalibrationFacts {
  method: Calibration['method'];
  percentile?: number;
  clips: number;
  source?: string;
  int8: string[];
  fp32: string[];
}

export interface QuantizedNet {
  /** The ONNX model (with metadata), ready for an InferenceSession or a file. */
  bytes: Uint8Array;
  calibration: Calibration;
  facts: CalibrationFacts;
}

/** Calibrates on `clips` (N, C, L, H, W) and builds the int8 model of `spec` + `params`. */
export async function quantizeNet(spec: NetSpec, params: ReadonlyMap<string, Tensor>, clips: Tensor, opts: QuantizeOptions = {}): Promise<QuantizedNet> {
  const calibration = await calibrate(spec, params, clips, opts);
  const int8 = int8Layers(spec, opts.keepFp32);
  const facts: CalibrationFacts = {
    method: calibration.method,
    ...(calibration.percentile !== undefined ? { percentile: calibration.percentile } : {}),
    clips: calibration.clips,
    ...(opts.source ? { source: opts.source } : {}),
    int8,
    fp32: spec.layers.filter((l) => (l.type === 'conv3d' || l.type === 'fc') && !int8.includes(l.name)).map((l) => l.name),
  };
  const metadata = [
    ...metadataProps(spec, opts.convention).map((p) => ({ key: p.key!, value: p.value! })),
    { key: ONNX_META.precision, value: 'int8' },
    { key: ONNX_META.calibration, value: JSON.stringify(facts) },
  ];
  const bytes = buildQuantizedModel(spec, params, { ranges: calibration.ranges, keepFp32: opts.keepFp32, metadata });
  return { bytes, calibration, facts };
}

/** Writes the model atomically (temp file + rename); returns its size in bytes. */
export function writeQuantizedModel(path: string, q: QuantizedNet): number {
  writeBytesAtomic(path, q.bytes);
  return q.bytes.length;
}

/** One phrase for convention lines: `int8 (8 convs; calibrated on 32 clips, percentile 99.999%)`. */
export function describeInt8(facts: CalibrationFacts | string | undefined): string {
  let f: CalibrationFacts | undefined;
  try {
    f = typeof facts === 'string' ? (JSON.parse(facts) as CalibrationFacts) : facts;
  } catch {
    f = undefined;
  }
  if (!f || !Array.isArray(f.int8)) return 'int8';
  const how = f.method === 'percentile' ? `percentile ${f.percentile}%` : 'min/max';
  return `int8 (${f.int8.length} conv${f.int8.length === 1 ? '' : 's'} int8, fp32: ${f.fp32.join(', ') || 'none'}; calibrated on ${f.clips} clip${f.clips === 1 ? '' : 's'}, ${how})`;
}
