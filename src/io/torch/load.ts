/**
 * torch.save files without torch: the zip format (current default) and the legacy stream format
 * (`_use_new_zipfile_serialization=False`, and every file from torch < 1.6 such as the port's
 * c3d.pickle). Zip entries may be stored (what torch writes) or deflated (re-zipped archives). Pickles go through the allow-listed reader in pickle.ts; storages are read straight
 * from the file into typed arrays and converted to float32.
 */
import { ByteCursor, withFile } from '../cursor.js';
import { WeightsError } from '../errors.js';
import { Tensor } from '../../tensor/index.js';
import { describe, pickleState, PyGlobal, PyTuple, unpickle, type SafeCall } from './pickle.js';
import { entryData, readZipDirectory, type EntryData } from './zip.js';
import { decode, DTYPE_BYTES, halfToFloat, type TorchDtype } from '../dtype-decode.js';

// The dtype decoding is portable (the browser page uses it too); re-exported for existing importers.
export { decode, DTYPE_BYTES, halfToFloat, type TorchDtype } from '../dtype-decode.js';

const STORAGE_DTYPES: Record<string, TorchDtype> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

/** A storage named by a persistent id; its bytes are read after unpickling. */
export interface StorageRef {
  key: string;
  dtype: TorchDtype;
  /** Elements, when the persistent id says (legacy files also record it in the data stream). */
  numel?: number;
}

/** A tensor as the pickle describes it: a strided view of a storage. */
export class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly size: number[],
    readonly stride: number[],
  ) {}
}

const MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

function ints(x: unknown, what: string, file: string): number[] {
  const items = x instanceof PyTuple ? x.items : Array.isArray(x) ? x : undefined;
  if (!items || !items.every((v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0)) {
    throw new WeightsError(file, `pickle: ${what} is not a tuple of non-negative ints`);
  }
  return items as number[];
}

function rebuildTensor(args: unknown[], file: string): TensorRef {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof Object) || !('key' in storage)) throw new WeightsError(file, 'pickle: _rebuild_tensor without a storage');
  if (typeof offset !== 'number') throw new WeightsError(file, 'pickle: tensor storage offset is not an int');
  return new TensorRef(storage as StorageRef, offset, ints(size, 'tensor size', file), ints(stride, 'tensor stride', file));
}

/** A numpy dtype named in a pickle (checkpoint metadata holds numpy scalars, e.g. a best score). */
class NumpyDtype {
  constructor(readonly code: string) {}
}

/** numpy.core.multiarray.scalar(dtype, raw bytes) → a JS number: data decoding, nothing more. */
function numpyScalar(args: unknown[], file: string): number | boolean {
  const [dtype, raw] = args;
  if (!(dtype instanceof NumpyDtype) || !(raw instanceof Uint8Array)) throw new WeightsError(file, 'pickle: malformed numpy scalar');
  const state = pickleState.get(dtype);
  const order = state instanceof PyTuple ? state.items[1] : '<';
  const b = Buffer.from(raw);
  const le = order !== '>';
  const readers: Record<string, () => number | boolean> = {
    f8: () => (le ? b.readDoubleLE(0) : b.readDoubleBE(0)),
    f4: () => (le ? b.readFloatLE(0) : b.readFloatBE(0)),
    f2: () => halfToFloat(le ? b.readUInt16LE(0) : b.readUInt16BE(0)),
    i8: () => Number(le ? b.readBigInt64LE(0) : b.readBigInt64BE(0)),
    i4: () => (le ? b.readInt32LE(0) : b.readInt32BE(0)),
    i2: () => (le ? b.readInt16LE(0) : b.readInt16BE(0)),
    i1: () => b.readInt8(0),
    u8: () => Number(le ? b.readBigUInt64LE(0) : b.readBigUInt64BE(0)),
    u4: () => (le ? b.readUInt32LE(0) : b.readUInt32BE(0)),
    u2: () => (le ? b.readUInt16LE(0) : b.readUInt16BE(0)),
    u1: () => b.readUInt8(0),
    b1: () => b[0] !== 0,
  };
  const read = readers[dtype.code];
  if (!read) throw new WeightsError(file, `pickle: numpy scalar of dtype ${dtype.code} is not supported`);
  try {
    return read();
  } catch {
    throw new WeightsError(file, `pickle: numpy ${dtype.code} scalar has ${b.length} bytes`);
  }
}

/** The allow-list: everything a state_dict (or an MMAction2-style checkpoint of plain data) needs. */
export const TORCH_GLOBALS: ReadonlyMap<string, SafeCall | undefined> = new Map<string, SafeCall | undefined>([
  ['collections.OrderedDict', (args) => new Map(Array.isArray(args[0]) ? (args[0] as unknown[]).map(pair) : [])],
  ['torch._utils._rebuild_tensor_v2', rebuildTensor],
  ['torch._utils._rebuild_tensor', rebuildTensor],
  ['torch._utils._rebuild_parameter', (args) => args[0]],
  ['torch._utils._rebuild_parameter_with_state', (args) => args[0]],
  ['torch.Size', (args) => args[0]],
  ['builtins.set', (args) => new Set(Array.isArray(args[0]) ? args[0] : [])],
  ['__builtin__.set', (args) => new Set(Array.isArray(args[0]) ? args[0] : [])],
  // Protocol-2 pickles encode `bytes` as _codecs.encode(latin1 text, 'latin1'): data, not code.
  ['_codecs.encode', (args, file) => {
    if (typeof args[0] !== 'string' || (args[1] !== 'latin1' && args[1] !== 'latin-1')) {
      throw new WeightsError(file, 'pickle: _codecs.encode only allowed for latin1 byte strings');
    }
    return new Uint8Array(Buffer.from(args[0], 'latin1'));
  }],
  // numpy scalars in checkpoint metadata (decoded from their bytes; numpy arrays are not allowed).
  ['numpy.dtype', (args) => new NumpyDtype(String(args[0]))],
  ['numpy.core.multiarray.scalar', numpyScalar],
  ['numpy._core.multiarray.scalar', numpyScalar],
  ...Object.keys(STORAGE_DTYPES).map((n): [string, undefined] => [`torch.${n}`, undefined]),
]);

function pair(p: unknown): [unknown, unknown] {
  const items = p instanceof PyTuple ? p.items : (p as unknown[]);
  return [items[0], items[1]];
}

function storageFromPid(pid: unknown, file: string, legacy: boolean): StorageRef {
  const items = pid instanceof PyTuple ? pid.items : undefined;
  if (!items || items[0] !== 'storage') {
    throw new WeightsError(file, `pickle: refused persistent id ${describe(items?.[0] ?? pid)} (only torch storages are allowed)`);
  }
  const [, type, key, , numel] = items;
  const dtype = type instanceof PyGlobal && type.module === 'torch' ? STORAGE_DTYPES[type.name] : undefined;
  if (!dtype) throw new WeightsError(file, `pickle: unsupported storage type ${describe(type)}`);
  if (typeof key !== 'string') throw new WeightsError(file, 'pickle: storage key is not a string');
  if (legacy && items.length >= 6 && items[5] !== null) {
    throw new WeightsError(file, 'legacy storage views (pre-0.4 torch) are not supported');
  }
  return { key, dtype, numel: typeof numel === 'number' ? numel : undefined };
}

/** What a torch file holds: the unpickled object (tensors as TensorRef) and a reader for storages. */
interface TorchArchive {
  object: unknown;
  /** Where `ref`'s raw storage bytes are. */
  locate(ref: StorageRef): EntryData;
}

function openZip(c: ByteCursor): TorchArchive {
  const entries = readZipDirectory(c);
  const pkl = [...entries.keys()].find((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (!pkl) throw new WeightsError(c.file, 'zip archive has no <name>/data.pkl — not a torch.save file');
  const prefix = pkl.slice(0, -'data.pkl'.length);
  const order = entries.get(`${prefix}byteorder`);
  if (order) {
    const d = entryData(c, order);
    d.cursor.seek(d.offset);
    if (d.cursor.bytes(d.bytes).toString('ascii').trim() !== 'little') throw new WeightsError(c.file, 'big-endian torch files are not supported');
  }
  const pd = entryData(c, entries.get(pkl)!);
  pd.cursor.seek(pd.offset);
  const pickleBytes = pd.cursor.bytes(pd.bytes, 'data.pkl');
  const object = unpickle(ByteCursor.fromBuffer(pickleBytes, c.file), {
    file: c.file,
    globals: TORCH_GLOBALS,
    persistentLoad: (pid) => storageFromPid(pid, c.file, false),
  });
  const located = new Map<string, EntryData>(); // views sharing a storage inflate it once
  return {
    object,
    locate(ref) {
      const e = entries.get(`${prefix}data/${ref.key}`);
      if (!e) throw new WeightsError(c.file, `storage ${ref.key} is missing from the archive`);
      let d = located.get(ref.key);
      if (!d) located.set(ref.key, (d = entryData(c, e)));
      return d;
    },
  };
}

function openLegacy(c: ByteCursor): TorchArchive {
  const noPid = { file: c.file, globals: TORCH_GLOBALS };
  const magic = unpickle(c, noPid);
  if (magic !== MAGIC) {
    throw new WeightsError(c.file, 'not a torch legacy file (magic number mismatch)');
  }
  const protocol = unpickle(c, noPid);
  if (protocol !== LEGACY_PROTOCOL) throw new WeightsError(c.file, `unsupported torch legacy protocol ${String(protocol)}`);
  const sysInfo = unpickle(c, noPid);
  if (sysInfo instanceof Map && sysInfo.get('little_endian') === false) {
    throw new WeightsError(c.file, 'big-endian torch files are not supported');
  }
  const refs = new Map<string, StorageRef>();
  const object = unpickle(c, {
    ...noPid,
    persistentLoad: (pid) => {
      const ref = storageFromPid(pid, c.file, true);
      const seen = refs.get(ref.key);
      if (seen) return seen;
      refs.set(ref.key, ref);
      return ref;
    },
  });
  const keys = unpickle(c, noPid);
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) {
    throw new WeightsError(c.file, 'legacy torch file: storage key list is corrupt');
  }
  // Each storage follows in key order: int64 element count, then the raw elements.
  const where = new Map<string, EntryData>();
  for (const key of keys as string[]) {
    const ref = refs.get(key);
    if (!ref) throw new WeightsError(c.file, `legacy torch file: storage ${key} is not used by any tensor`);
    const numel = Number(c.bytes(8, `storage ${key} header`).readBigInt64LE(0));
    const bytes = numel * DTYPE_BYTES[ref.dtype];
    where.set(key, { cursor: c, offset: c.pos, bytes });
    c.skip(bytes, `storage ${key}`);
  }
  return {
    object,
    locate(ref) {
      const w = where.get(ref.key);
      if (!w) throw new WeightsError(c.file, `storage ${ref.key} is missing from the file`);
      return w;
    },
  };
}

/** A torch.save file's tensors: the state_dict (or a checkpoint's `state_dict`) flattened, as float32. */
export interface TorchContents {
  format: 'zip' | 'legacy';
  tensors: Map<string, Tensor>;
  /** Top-level keys other than the state dict (e.g. meta, optimizer) — not loaded, listed for inspect. */
  otherKeys: string[];
}

/** Reads a torch.save file safely (no pickle code runs). Throws WeightsError on anything malformed. */
export function readTorchFile(path: string): TorchContents {
  return withFile(path, (c) => {
    if (c.size === 0) throw new WeightsError(path, 'file is empty (0 bytes)');
    const head = c.bytes(Math.min(4, c.size));
    c.seek(0);
    const isZip = head.length >= 4 && head.readUInt32LE(0) === 0x04034b50;
    const archive = isZip ? openZip(c) : openLegacy(c);
    const { dict, otherKeys } = pickStateDict(archive.object, path);
    const refs = new Map<string, TensorRef>();
    flatten(dict, '', refs, path);
    if (refs.size === 0) throw new WeightsError(path, 'holds no tensors');
    const tensors = new Map<string, Tensor>();
    for (const [name, ref] of refs) tensors.set(name, materialise(archive, ref, name));
    return { format: isZip ? 'zip' : 'legacy', tensors, otherKeys };
  });
}

/** Checkpoints nest the weights: MMAction2/mmcv use `state_dict`, others `model` or `net`. */
function pickStateDict(obj: unknown, file: string): { dict: Map<unknown, unknown>; otherKeys: string[] } {
  if (!(obj instanceof Map)) throw new WeightsError(file, `top-level object is a ${describe(obj)}, expected a dict of tensors`);
  for (const key of ['state_dict', 'model', 'net']) {
    const inner = obj.get(key);
    if (inner instanceof Map && [...inner.values()].some((v) => v instanceof TensorRef)) {
      return { dict: inner, otherKeys: [...obj.keys()].filter((k) => k !== key).map(String) };
    }
  }
  return { dict: obj, otherKeys: [] };
}

function flatten(d: Map<unknown, unknown>, prefix: string, out: Map<string, TensorRef>, file: string): void {
  for (const [k, v] of d) {
    const name = prefix + String(k);
    if (v instanceof TensorRef) out.set(name, v);
    else if (v instanceof Map) flatten(v, `${name}.`, out, file);
    else throw new WeightsError(file, `entry is a ${describe(v)}, not a tensor`, name);
  }
}

function materialise(archive: TorchArchive, ref: TensorRef, name: string): Tensor {
  const { cursor: c, offset, bytes } = archive.locate(ref.storage);
  const esize = DTYPE_BYTES[ref.storage.dtype];
  const numel = Math.floor(bytes / esize);
  const shape = ref.size.length ? ref.size : [1];
  const n = ref.size.reduce((a, b) => a * b, 1);
  if (n === 0) throw new WeightsError(c.file, `tensor has a zero-sized dim (${ref.size.join('×')})`, name);
  let last = ref.offset;
  ref.size.forEach((d, i) => (last += (d - 1) * ref.stride[i]));
  if (ref.stride.length !== ref.size.length || last >= numel) {
    throw new WeightsError(c.file, `tensor view (offset ${ref.offset}, size ${ref.size.join('×')}) exceeds its storage of ${numel} elements`, name);
  }
  const contiguous = isContiguous(ref.size, ref.stride);
  const out = new Float32Array(n);
  if (contiguous && ref.storage.dtype === 'float32') {
    c.seek(offset + ref.offset * 4);
    c.readInto(new Uint8Array(out.buffer), `tensor ${name}`);
    return new Tensor(shape, out);
  }
  // Read the span the view touches, convert, gather.
  const first = ref.offset;
  c.seek(offset + first * esize);
  const raw = c.bytes((last - first + 1) * esize, `tensor ${name}`);
  const values = decode(raw, ref.storage.dtype);
  if (contiguous) {
    out.set(values.subarray(0, n));
  } else {
    let i = 0;
    const idx = new Array<number>(ref.size.length).fill(0);
    for (;;) {
      let p = 0;
      for (let d = 0; d < idx.length; d++) p += idx[d] * ref.stride[d];
      out[i++] = values[p];
      let d = idx.length - 1;
      while (d >= 0 && ++idx[d] === ref.size[d]) idx[d--] = 0;
      if (d < 0) break;
    }
  }
  return new Tensor(shape, out);
}

function isContiguous(size: number[], stride: number[]): boolean {
  let s = 1;
  for (let i = size.length - 1; i >= 0; i--) {
    if (size[i] !== 1 && stride[i] !== s) return false;
    s *= size[i];
  }
  return true;
}
