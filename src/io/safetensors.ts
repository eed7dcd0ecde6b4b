/**
 * safetensors files on disk: reading validates with the portable ./safetensors-format.ts (shared with the
 * browser page) and reads float32 tensors straight from the file into their arrays (a 320 MB model never
 * sits in memory twice); we write F32 only.
 */
import { statSync } from 'node:fs';
import { withFile } from './cursor.js';
import { WeightsError } from './errors.js';
import { f32Bytes, writeFileAtomic } from './atomic.js';
import { Tensor } from '../tensor/index.js';
import { decode } from './dtype-decode.js';
import { parseSafetensorsHeader, SAFETENSORS_DTYPES, safetensorsHeaderLength, spanShape, type SafetensorsContents } from './safetensors-format.js';

export { decodeSafetensors, looksLikeSafetensors, type SafetensorsContents } from './safetensors-format.js';

export function readSafetensors(path: string): SafetensorsContents {
  return withFile(path, (c) => {
    const n = safetensorsHeaderLength(c.size >= 8 ? c.bytes(8) : new Uint8Array(0), c.size, path);
    const text = c.bytes(n, 'the safetensors header').toString('utf8');
    const { dataStart, spans, metadata } = parseSafetensorsHeader(text, n, c.size, path);
    const tensors = new Map<string, Tensor>();
    const dtypes = new Map<string, string>();
    for (const s of spans) {
      c.seek(dataStart + s.begin);
      let data: Float32Array;
      if (s.dtype === 'F32') {
        data = new Float32Array((s.end - s.begin) / 4);
        c.readInto(new Uint8Array(data.buffer), `tensor ${s.name}`);
      } else {
        data = decode(c.bytes(s.end - s.begin, `tensor ${s.name}`), SAFETENSORS_DTYPES[s.dtype]);
      }
      tensors.set(s.name, new Tensor(spanShape(s), data));
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
