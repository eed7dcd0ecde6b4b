/**
 * Numeric arrays from MATLAB .mat files: level-5 (v5/v6/v7, incl. zlib-compressed elements) parsed
 * here, v7.3 (HDF5) via h5wasm. Enough to read split arrays such as ASLAN's View2.mat; cells,
 * structs, sparse and complex arrays are skipped.
 *
 * Values come back as float64 in MATLAB's column-major order with MATLAB's dims (for v7.3 the
 * HDF5 shape is MATLAB's reversed, and its C-order data is the same column-major sequence).
 */
import { inflateSync } from 'node:zlib';
import { readFileOrThrow } from '../../io/read-file.js';

export interface MatArray {
  name: string;
  /** MATLAB dims, e.g. [600, 5, 10]. */
  dims: number[];
  /** Column-major values. */
  data: Float64Array;
}

const MI = { INT8: 1, UINT8: 2, INT16: 3, UINT16: 4, INT32: 5, UINT32: 6, SINGLE: 7, DOUBLE: 9, INT64: 12, UINT64: 13, MATRIX: 14, COMPRESSED: 15, UTF8: 16 };

function readNumeric(dv: DataView, off: number, type: number, bytes: number, le: boolean, where: string): Float64Array {
  const size: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 4, 9: 8, 12: 8, 13: 8 };
  const sz = size[type];
  if (!sz) throw new Error(`${where}: unsupported MATLAB data type ${type}`);
  const n = bytes / sz;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const o = off + i * sz;
    switch (type) {
      case MI.INT8: out[i] = dv.getInt8(o); break;
      case MI.UINT8: out[i] = dv.getUint8(o); break;
      case MI.INT16: out[i] = dv.getInt16(o, le); break;
      case MI.UINT16: out[i] = dv.getUint16(o, le); break;
      case MI.INT32: out[i] = dv.getInt32(o, le); break;
      case MI.UINT32: out[i] = dv.getUint32(o, le); break;
      case MI.SINGLE: out[i] = dv.getFloat32(o, le); break;
      case MI.DOUBLE: out[i] = dv.getFloat64(o, le); break;
      case MI.INT64: out[i] = Number(dv.getBigInt64(o, le)); break;
      case MI.UINT64: out[i] = Number(dv.getBigUint64(o, le)); break;
    }
  }
  return out;
}

/** Reads a data element tag at `off`: [type, bytes, dataOffset, nextOffset]. */
function tag(dv: DataView, off: number, le: boolean): [number, number, number, number] {
  const first = dv.getUint32(off, le);
  if (first >>> 16 !== 0) {
    // Small data element: type and size share the first word, data in the next 4 bytes.
    return [first & 0xffff, first >>> 16, off + 4, off + 8];
  }
  const bytes = dv.getUint32(off + 4, le);
  return [first, bytes, off + 8, off + 8 + Math.ceil(bytes / 8) * 8];
}

function parseMatrix(dv: DataView, start: number, end: number, le: boolean, where: string): MatArray | undefined {
  let off = start;
  const [, , flagsAt, afterFlags] = tag(dv, off, le);
  const flags = dv.getUint32(flagsAt, le);
  const cls = flags & 0xff;
  const complex = (flags & 0x800) !== 0;
  off = afterFlags;
  const [, dimBytes, dimAt, afterDims] = tag(dv, off, le);
  const dims = Array.from(readNumeric(dv, dimAt, MI.INT32, dimBytes, le, where));
  off = afterDims;
  const [, nameBytes, nameAt, afterName] = tag(dv, off, le);
  const name = new TextDecoder().decode(new Uint8Array(dv.buffer, dv.byteOffset + nameAt, nameBytes));
  off = afterName;
  // Numeric classes: 6 double, 7 single, 8–15 integer types. Others (cell 1, struct 2, char 4, sparse 5) skipped.
  if (cls < 6 || cls > 15 || complex || off >= end) return undefined;
  const [type, bytes, at] = tag(dv, off, le);
  return { name, dims, data: readNumeric(dv, at, type, bytes, le, where) };
}

function parseV5(buf: Uint8Array, where: string): MatArray[] {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const endian = String.fromCharCode(buf[126]!, buf[127]!);
  if (endian !== 'IM' && endian !== 'MI') throw new Error(`${where}: not a MATLAB v5 file (bad endian marker)`);
  const le = endian === 'IM';
  const out: MatArray[] = [];
  const walk = (view: DataView, start: number, end: number) => {
    let off = start;
    while (off + 8 <= end) {
      const [type, bytes, at, next] = tag(view, off, le);
      if (type === MI.COMPRESSED) {
        const inner = inflateSync(new Uint8Array(view.buffer, view.byteOffset + at, bytes));
        walk(new DataView(inner.buffer, inner.byteOffset, inner.byteLength), 0, inner.byteLength);
        off = at + bytes; // compressed elements are not padded
        continue;
      }
      if (type === MI.MATRIX && bytes > 0) {
        const m = parseMatrix(view, at, at + bytes, le, where);
        if (m) out.push(m);
      }
      off = next;
    }
  };
  walk(dv, 128, buf.byteLength);
  return out;
}

async function readV73(path: string): Promise<MatArray[]> {
  const h5wasm = (await import('h5wasm/node')).default;
  await h5wasm.ready;
  const f = new h5wasm.File(path, 'r');
  try {
    const out: MatArray[] = [];
    for (const key of f.keys()) {
      const d = f.get(key);
      if (!(d instanceof h5wasm.Dataset)) continue;
      const v = d.value;
      if (!ArrayBuffer.isView(v) || typeof (v as unknown as { length?: number }).length !== 'number') continue;
      const arr = v as unknown as ArrayLike<number | bigint>;
      out.push({ name: key, dims: [...(d.shape ?? [])].reverse(), data: Float64Array.from({ length: arr.length }, (_, i) => Number(arr[i])) });
    }
    return out;
  } finally {
    f.close();
  }
}

/** All numeric arrays in a .mat file (v5 or v7.3). */
export async function readMatArrays(path: string): Promise<MatArray[]> {
  const buf = readFileOrThrow(path);
  const hdf5 = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
  // v7.3 files are HDF5 with a 512-byte MATLAB user block; the HDF5 signature sits at 0 or 512.
  if (hdf5.every((b, i) => buf[i] === b) || hdf5.every((b, i) => buf[512 + i] === b)) return readV73(path);
  if (buf.length < 128) throw new Error(`${path}: not a MATLAB .mat file (too short)`);
  return parseV5(buf, path);
}
