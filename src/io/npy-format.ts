/**
 * The .npy byte format without any file access (so browsers use it too): `parseNpy` and `formatNpy`.
 * File reading and atomic writing live in ./npy.ts, which re-exports everything here; see its module
 * comment for the supported dtypes and the header layout.
 */
/** `int64` arrays are held as `Int32Array` (see the module comment); writing always uses the typed array's own dtype. */
export type NpyDtype = 'float32' | 'float64' | 'int32' | 'int64' | 'uint8';
export type NpyData = Float32Array | Float64Array | Int32Array | Uint8Array;

/** An n-dimensional array as stored in a .npy file (row-major). */
export interface NpyArray<D extends NpyData = NpyData> {
  dtype: NpyDtype;
  shape: number[];
  data: D;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const DESCR: Record<NpyDtype, string> = { float32: '<f4', float64: '<f8', int32: '<i4', int64: '<i8', uint8: '|u1' };
const BYTES: Record<NpyDtype, number> = { float32: 4, float64: 8, int32: 4, int64: 8, uint8: 1 };

function dtypeOfDescr(descr: string, where: string): NpyDtype {
  switch (descr) {
    case '<f4': return 'float32';
    case '<f8': return 'float64';
    case '<i4': return 'int32';
    case '<i8': return 'int64';
    case '|u1': case '<u1': return 'uint8';
    default:
      throw new Error(`${where}: unsupported .npy dtype '${descr}' (supported: <f4, <f8, <i4, <i8, |u1; little-endian only)`);
  }
}

function dtypeOf(data: NpyData): NpyDtype {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint8Array) return 'uint8';
  throw new Error('npy: unsupported typed array');
}

/** Parses the bytes of a .npy file; `where` names the source in error messages. */
export function parseNpy(bytes: Uint8Array, where = '<buffer>'): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new Error(`${where}: not a .npy file (bad magic)`);
  }
  const major = bytes[6]!;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = dv.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new Error(`${where}: truncated .npy header`);
    headerLen = dv.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new Error(`${where}: unsupported .npy version ${major}.${bytes[7]}`);
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) throw new Error(`${where}: truncated .npy header`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));

  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new Error(`${where}: malformed .npy header: ${header.trim()}`);
  }
  if (fortran === 'True') throw new Error(`${where}: Fortran-order .npy arrays are not supported (save with C order)`);
  const dtype = dtypeOfDescr(descr, where);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const n = Number(s.replace(/L$/, ''));
      if (!Number.isInteger(n) || n < 0) throw new Error(`${where}: bad .npy shape (${shapeText})`);
      return n;
    });
  const count = shape.reduce((a, b) => a * b, 1);
  const nbytes = count * BYTES[dtype];
  if (bytes.length - dataStart < nbytes) {
    throw new Error(`${where}: truncated .npy data: expected ${nbytes} bytes for shape (${shape.join(', ')}) ${dtype}, found ${bytes.length - dataStart}`);
  }
  // Copy into a fresh buffer: the source offset may not be aligned for the element size, and
  // `slice` on a Node Buffer would be a view (not a copy), so copy explicitly.
  const raw = new Uint8Array(nbytes);
  raw.set(bytes.subarray(dataStart, dataStart + nbytes));
  const data: NpyData =
    dtype === 'float32' ? new Float32Array(raw.buffer, 0, count)
    : dtype === 'float64' ? new Float64Array(raw.buffer, 0, count)
    : dtype === 'int32' ? new Int32Array(raw.buffer, 0, count)
    : dtype === 'int64' ? narrowInt64(new BigInt64Array(raw.buffer, 0, count), where)
    : new Uint8Array(raw.buffer, 0, count);
  return { dtype, shape, data };
}

/** int64 values as int32, or an error naming the first value that does not fit. */
function narrowInt64(wide: BigInt64Array, where: string): Int32Array {
  const out = new Int32Array(wide.length);
  for (let i = 0; i < wide.length; i++) {
    const v = wide[i]!;
    if (v < -2147483648n || v > 2147483647n) {
      throw new Error(`${where}: int64 value ${v} at flat index ${i} does not fit in int32 (only int64 arrays whose values fit are supported)`);
    }
    out[i] = Number(v);
  }
  return out;
}

/** Serialises an array to .npy bytes (v1.0 header, or v2.0 when the header is too long for v1). */
export function formatNpy(arr: { shape: readonly number[]; data: NpyData }): Uint8Array {
  const dtype = dtypeOf(arr.data);
  const count = arr.shape.reduce((a, b) => a * b, 1);
  if (count !== arr.data.length) {
    throw new Error(`npy: shape (${arr.shape.join(', ')}) holds ${count} values but data has ${arr.data.length}`);
  }
  const shapeText = arr.shape.length === 1 ? `(${arr.shape[0]},)` : `(${arr.shape.join(', ')})`;
  const dict = `{'descr': '${DESCR[dtype]}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  let major = 1;
  let prefix = 10;
  if (dict.length + 1 + prefix > 65535) {
    major = 2;
    prefix = 12;
  }
  const total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  const headerLen = total - prefix;
  const header = dict + ' '.repeat(headerLen - dict.length - 1) + '\n';
  const out = new Uint8Array(total + arr.data.byteLength);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const dv = new DataView(out.buffer);
  if (major === 1) dv.setUint16(8, headerLen, true);
  else dv.setUint32(8, headerLen, true);
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  out.set(new Uint8Array(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength), total);
  return out;
}
