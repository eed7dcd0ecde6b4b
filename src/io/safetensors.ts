/**
 * safetensors (https://github.com/huggingface/safetensors#format): u64 little-endian header length,
 * a JSON header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}},
 * then the raw little-endian tensor bytes, which must tile the data section exactly. We write F32
 * only and read F32/F64/F16/BF16/I64/I32/I16/I8/U8/BOOL (converted to float32).
 */
import { statSync } from 'node:fs';
import { withFile } from './cursor.js';
import { WeightsError } from './errors.js';
import { f32Bytes, writeFileAtomic } from './atomic.js';
import { Tensor } from '../tensor/index.js';
import { decode, DTYPE_BYTES, type TorchDtype } from './torch/load.js';

const DTYPES: Record<string, TorchDtype> = {
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

/** Reads the header only: cheap check for format detection and `inspect`. */
export function looksLikeSafetensors(head: Buffer, fileSize: number): boolean {
  if (head.length < 9) return false;
  const n = head.readBigUInt64LE(0);
  return n > 1n && n <= BigInt(Math.min(MAX_HEADER, fileSize - 8)) && head[8] === 0x7b;
}

export function readSafetensors(path: string): SafetensorsContents {
  return withFile(path, (c) => {
    if (c.size === 0) throw new WeightsError(path, 'file is empty (0 bytes)');
    if (c.size < 8) throw c.truncated('the header length');
    const n = Number(c.bytes(8).readBigUInt64LE(0));
    if (n > MAX_HEADER) throw new WeightsError(path, `safetensors header length ${n} is implausible (corrupt or not safetensors)`);
    const text = c.bytes(n, 'the safetensors header').toString('utf8');
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(text) as Record<string, unknown>;
    } catch (e) {
      throw new WeightsError(path, `safetensors header is not valid JSON (${(e as Error).message})`);
    }
    const dataStart = 8 + n;
    const dataLen = c.size - dataStart;
    const metadata: Record<string, string> = {};
    const spans: { name: string; begin: number; end: number; dtype: string; shape: number[] }[] = [];
    for (const [name, info] of Object.entries(header)) {
      if (name === '__metadata__') {
        for (const [k, v] of Object.entries((info ?? {}) as Record<string, unknown>)) {
          if (typeof v !== 'string') throw new WeightsError(path, `__metadata__.${k} is not a string`);
          metadata[k] = v;
        }
        continue;
      }
      const { dtype, shape, data_offsets: off } = info as { dtype: unknown; shape: unknown; data_offsets: unknown };
      if (typeof dtype !== 'string' || !(dtype in DTYPES)) throw new WeightsError(path, `unsupported dtype ${String(dtype)}`, name);
      if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
        throw new WeightsError(path, 'shape is not a list of non-negative ints', name);
      }
      if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0) || off[1] < off[0]) {
        throw new WeightsError(path, 'data_offsets is not [begin, end]', name);
      }
      const bytes = (shape as number[]).reduce((a, b) => a * b, 1) * DTYPE_BYTES[DTYPES[dtype]];
      if (off[1] - off[0] !== bytes) {
        throw new WeightsError(path, `shape [${shape.join(', ')}] ${dtype} needs ${bytes} bytes, data_offsets span ${off[1] - off[0]}`, name);
      }
      if (off[1] > dataLen) throw c.truncated(`tensor ${name}`);
      spans.push({ name, begin: off[0], end: off[1], dtype, shape: shape as number[] });
    }
    const sorted = [...spans].sort((a, b) => a.begin - b.begin);
    let pos = 0;
    for (const s of sorted) {
      if (s.begin !== pos) throw new WeightsError(path, `data_offsets leave a gap or overlap at byte ${s.begin}`, s.name);
      pos = s.end;
    }
    if (pos !== dataLen) throw new WeightsError(path, `${dataLen - pos} bytes after the last tensor (corrupt file)`);
    const tensors = new Map<string, Tensor>();
    const dtypes = new Map<string, string>();
    for (const s of spans) {
      if (s.shape.some((d) => d === 0)) throw new WeightsError(path, `has a zero-sized dim [${s.shape.join(', ')}]`, s.name);
      c.seek(dataStart + s.begin);
      const shape = s.shape.length ? s.shape : [1];
      let data: Float32Array;
      if (s.dtype === 'F32') {
        data = new Float32Array((s.end - s.begin) / 4);
        c.readInto(new Uint8Array(data.buffer), `tensor ${s.name}`);
      } else {
        data = decode(c.bytes(s.end - s.begin, `tensor ${s.name}`), DTYPES[s.dtype]);
      }
      tensors.set(s.name, new Tensor(shape, data));
      dtypes.set(s.name, s.dtype);
    }
    return { tensors, dtypes, metadata };
  });
}

/** Writes float32 tensors + string metadata as safetensors, atomically (temp file + rename). */
export function writeSafetensors(path: string, tensors: Map<string, Tensor>, metadata: Record<string, string>): void {
  if (existsAsDir(path)) throw new WeightsError(path, 'is a directory');
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__') throw new WeightsError(path, 'tensor name __metadata__ is reserved');
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  // Pad with spaces to 8 bytes, as the reference writer does, so the data section is aligned.
  const pad = (8 - (json.length % 8)) % 8;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  writeFileAtomic(path, (write) => {
    write(len);
    write(json);
    for (const t of tensors.values()) write(f32Bytes(t.data));
  });
}

function existsAsDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
