/**
 * The safetensors format on bytes (https://github.com/huggingface/safetensors#format), with no Node
 * APIs so the browser page reads the same files with the same checks: u64 little-endian header
 * length, a JSON header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string:
 * string}}, then the raw little-endian tensor bytes, which must tile the data section exactly. Reads
 * F32/F64/F16/BF16/I64/I32/I16/I8/U8/BOOL (converted to float32). src/io/safetensors.ts reads files
 * with it (and writes them).
 */
import { truncatedError, WeightsError } from './errors.js';
import { Tensor } from '../tensor/tensor.js';
import { decode, DTYPE_BYTES, type TorchDtype } from './dtype-decode.js';

export const SAFETENSORS_DTYPES: Record<string, TorchDtype> = {
  F32: 'float32', F64: 'float64', F16: 'float16', BF16: 'bfloat16', I64: 'int64', I32: 'int32',
  I16: 'int16', I8: 'int8', U8: 'uint8', BOOL: 'bool',
};
/** The reference implementation's limit; a larger "header" means a corrupt or foreign file. */
const MAX_HEADER = 100_000_000;

export interface SafetensorsContents {
  tensors: Map<string, Tensor>;
  /** Original dtype of each tensor (tensors are converted to float32). */
  dtypes: Map<string, string>;
  metadata: Record<string, string>;
}

/** One tensor's place in the data section (offsets relative to its start). */
export interface SafetensorsSpan {
  name: string;
  begin: number;
  end: number;
  dtype: string;
  shape: number[];
}

/** A validated header: where the data section starts, the tensors in header order, the metadata. */
export interface SafetensorsHeader {
  dataStart: number;
  spans: SafetensorsSpan[];
  metadata: Record<string, string>;
}

const u64 = (b: Uint8Array): number => Number(new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true));

/** Reads the header only: cheap check for format detection and `inspect`. */
export function looksLikeSafetensors(head: Uint8Array, fileSize: number): boolean {
  if (head.length < 9) return false;
  const n = u64(head);
  return n > 1 && n <= Math.min(MAX_HEADER, fileSize - 8) && head[8] === 0x7b;
}

/** The header's length from the file's first 8 bytes (`first8` may be longer); throws a one-line WeightsError. */
export function safetensorsHeaderLength(first8: Uint8Array, fileSize: number, source: string): number {
  if (fileSize === 0) throw new WeightsError(source, 'file is empty (0 bytes)');
  if (fileSize < 8 || first8.length < 8) throw truncatedError(source, 'the header length', fileSize);
  const n = u64(first8);
  if (n > MAX_HEADER) throw new WeightsError(source, `safetensors header length ${n} is implausible (corrupt or not safetensors)`);
  return n;
}

/**
 * Parses and validates the JSON header (`text`, the `n` bytes after the length) of a file of
 * `fileSize` bytes: dtypes, shapes, offsets that tile the data section exactly.
 */
export function parseSafetensorsHeader(text: string, n: number, fileSize: number, source: string): SafetensorsHeader {
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new WeightsError(source, `safetensors header is not valid JSON (${(e as Error).message})`);
  }
  const dataStart = 8 + n;
  const dataLen = fileSize - dataStart;
  const metadata: Record<string, string> = {};
  const spans: SafetensorsSpan[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') {
      for (const [k, v] of Object.entries((info ?? {}) as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new WeightsError(source, `__metadata__.${k} is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    const { dtype, shape, data_offsets: off } = info as { dtype: unknown; shape: unknown; data_offsets: unknown };
    if (typeof dtype !== 'string' || !(dtype in SAFETENSORS_DTYPES)) throw new WeightsError(source, `unsupported dtype ${String(dtype)}`, name);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new WeightsError(source, 'shape is not a list of non-negative ints', name);
    }
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0) || off[1] < off[0]) {
      throw new WeightsError(source, 'data_offsets is not [begin, end]', name);
    }
    const bytes = (shape as number[]).reduce((a, b) => a * b, 1) * DTYPE_BYTES[SAFETENSORS_DTYPES[dtype]];
    if (off[1] - off[0] !== bytes) {
      throw new WeightsError(source, `shape [${shape.join(', ')}] ${dtype} needs ${bytes} bytes, data_offsets span ${off[1] - off[0]}`, name);
    }
    if (off[1] > dataLen) throw truncatedError(source, `tensor ${name}`, fileSize);
    spans.push({ name, begin: off[0], end: off[1], dtype, shape: shape as number[] });
  }
  const sorted = [...spans].sort((a, b) => a.begin - b.begin);
  let pos = 0;
  for (const s of sorted) {
    if (s.begin !== pos) throw new WeightsError(source, `data_offsets leave a gap or overlap at byte ${s.begin}`, s.name);
    pos = s.end;
  }
  if (pos !== dataLen) throw new WeightsError(source, `${dataLen - pos} bytes after the last tensor (corrupt file)`);
  for (const s of spans) {
    if (s.shape.some((d) => d === 0)) throw new WeightsError(source, `has a zero-sized dim [${s.shape.join(', ')}]`, s.name);
  }
  return { dataStart, spans, metadata };
}

/** A span's shape as a Tensor shape (a 0-d scalar is stored as [1]). */
export const spanShape = (s: SafetensorsSpan): number[] => (s.shape.length ? s.shape : [1]);

/** A whole safetensors file in memory → float32 tensors + metadata; `source` names it in the one-line errors. */
export function decodeSafetensors(bytes: Uint8Array, source: string): SafetensorsContents {
  const n = safetensorsHeaderLength(bytes, bytes.length, source);
  if (8 + n > bytes.length) throw truncatedError(source, 'the safetensors header', bytes.length);
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
  const { dataStart, spans, metadata } = parseSafetensorsHeader(text, n, bytes.length, source);
  const tensors = new Map<string, Tensor>();
  const dtypes = new Map<string, string>();
  for (const s of spans) {
    const raw = bytes.subarray(dataStart + s.begin, dataStart + s.end);
    tensors.set(s.name, new Tensor(spanShape(s), decode(raw, SAFETENSORS_DTYPES[s.dtype])));
    dtypes.set(s.name, s.dtype);
  }
  return { tensors, dtypes, metadata };
}
