/**
 * Writes a state_dict that `torch.load` reads (and our loader reads back): float32 tensors in either
 * the zip format (current torch.save: STORED entries, data 64-byte aligned, CRC-32 checked by torch's
 * reader) or the legacy stream format (`_use_new_zipfile_serialization=False`, like c3d.pickle).
 * The pickle is generated here from a fixed template: an OrderedDict of `_rebuild_tensor_v2` calls.
 */
import { crc32 } from 'node:zlib';
import type { Tensor } from '../../tensor/index.js';
import { f32Bytes, writeFileAtomic } from '../atomic.js';
import { WeightsError } from '../errors.js';

/** A tiny protocol-2 pickle emitter for exactly the values a state_dict needs. */
class PickleWriter {
  private parts: number[] = [];
  op(...bytes: number[]): this {
    this.parts.push(...bytes);
    return this;
  }
  global(module: string, name: string): this {
    return this.op(0x63, ...Buffer.from(`${module}\n${name}\n`, 'latin1'));
  }
  str(s: string): this {
    const b = Buffer.from(s, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32LE(b.length);
    return this.op(0x58, ...len, ...b);
  }
  int(v: number): this {
    if (!Number.isSafeInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) throw new Error(`pickle int out of range: ${v}`);
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    return this.op(0x4a, ...b);
  }
  tuple(items: number[]): this {
    this.op(0x28);
    items.forEach((v) => this.int(v));
    return this.op(0x74);
  }
  bytes(): Buffer {
    return Buffer.from(this.parts);
  }
}

const MARK = 0x28;
const TUPLE = 0x74;
const REDUCE = 0x52;
const SETITEMS = 0x75;
const STOP = 0x2e;
const BINPERSID = 0x51;
const NEWFALSE = 0x89;
const EMPTY_TUPLE = 0x29;
const NONE = 0x4e;

function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** The state_dict pickle; storage i is tensor i (key String(i)). */
function stateDictPickle(tensors: Map<string, Tensor>, legacy: boolean): Buffer {
  const p = new PickleWriter().op(0x80, 2);
  p.global('collections', 'OrderedDict').op(EMPTY_TUPLE, REDUCE, MARK);
  let i = 0;
  for (const [name, t] of tensors) {
    p.str(name).global('torch._utils', '_rebuild_tensor_v2').op(MARK);
    // Persistent id: ('storage', torch.FloatStorage, key, 'cpu', numel[, None view metadata in legacy]).
    p.op(MARK).str('storage').global('torch', 'FloatStorage').str(String(i++)).str('cpu').int(t.size);
    if (legacy) p.op(NONE);
    p.op(TUPLE, BINPERSID);
    p.int(0).tuple([...t.shape]).tuple(stridesOf(t.shape)).op(NEWFALSE);
    p.global('collections', 'OrderedDict').op(EMPTY_TUPLE, REDUCE);
    p.op(TUPLE, REDUCE);
  }
  return p.op(SETITEMS, STOP).bytes();
}

/** Writes `tensors` (float32) as a torch.save zip archive, atomically. */
export function writeTorchZip(path: string, tensors: Map<string, Tensor>, archiveName = 'archive'): void {
  const entries: { name: string; data: Uint8Array[] }[] = [{ name: `${archiveName}/data.pkl`, data: [stateDictPickle(tensors, false)] }];
  let i = 0;
  for (const t of tensors.values()) entries.push({ name: `${archiveName}/data/${i++}`, data: [f32Bytes(t.data)] });
  entries.push({ name: `${archiveName}/version`, data: [Buffer.from('3\n')] });
  let offset = 0;
  const central: Buffer[] = [];
  writeFileAtomic(path, (write) => {
    const put = (b: Uint8Array): void => {
      write(b);
      offset += b.byteLength;
    };
    for (const e of entries) {
      const name = Buffer.from(e.name, 'utf8');
      const size = e.data.reduce((n, d) => n + d.byteLength, 0);
      const crc = e.data.reduce((c, d) => crc32(d, c), 0);
      if (offset + size > 0xfffffff0) throw new WeightsError(path, 'torch zip output over 4 GB (zip64) is not supported');
      // Pad the local header's extra field so the data starts 64-byte aligned, as torch does.
      const base = offset + 30 + name.length + 4;
      const padLen = (64 - (base % 64)) % 64;
      const extra = Buffer.alloc(4 + padLen, 0x5a);
      extra.writeUInt16LE(0x4246, 0); // 'FB', torch's padding record id
      extra.writeUInt16LE(padLen, 2);
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(20, 4);
      local.writeUInt32LE(crc, 14);
      local.writeUInt32LE(size, 18);
      local.writeUInt32LE(size, 22);
      local.writeUInt16LE(name.length, 26);
      local.writeUInt16LE(extra.length, 28);
      const localOffset = offset;
      put(local);
      put(name);
      put(extra);
      e.data.forEach(put);
      const cd = Buffer.alloc(46);
      cd.writeUInt32LE(0x02014b50, 0);
      cd.writeUInt16LE(20, 4);
      cd.writeUInt16LE(20, 6);
      cd.writeUInt32LE(crc, 16);
      cd.writeUInt32LE(size, 20);
      cd.writeUInt32LE(size, 24);
      cd.writeUInt16LE(name.length, 28);
      cd.writeUInt32LE(localOffset, 42);
      central.push(cd, name);
    }
    const cdStart = offset;
    central.forEach(put);
    const eocd = Buffer.alloc(22);
    eocd.writeUInt32LE(0x06054b50, 0);
    eocd.writeUInt16LE(entries.length, 8);
    eocd.writeUInt16LE(entries.length, 10);
    eocd.writeUInt32LE(offset - cdStart, 12);
    eocd.writeUInt32LE(cdStart, 16);
    put(eocd);
  });
}

/** Writes `tensors` in torch's legacy (pre-1.6, non-zip) format, atomically. */
export function writeTorchLegacy(path: string, tensors: Map<string, Tensor>): void {
  const magic = Buffer.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]);
  const protocol = new PickleWriter().op(0x80, 2).int(1001).op(STOP).bytes();
  const sysInfo = new PickleWriter().op(0x80, 2, 0x7d, MARK);
  sysInfo.str('protocol_version').int(1001).str('little_endian').op(0x88).str('type_sizes');
  sysInfo.op(0x7d, MARK).str('short').int(2).str('int').int(4).str('long').int(4).op(SETITEMS);
  sysInfo.op(SETITEMS, STOP);
  const keys = new PickleWriter().op(0x80, 2, 0x5d, MARK);
  for (let i = 0; i < tensors.size; i++) keys.str(String(i));
  keys.op(0x65, STOP); // APPENDS
  writeFileAtomic(path, (write) => {
    write(magic);
    write(protocol);
    write(sysInfo.bytes());
    write(stateDictPickle(tensors, true));
    write(keys.bytes());
    for (const t of tensors.values()) {
      const n = Buffer.alloc(8);
      n.writeBigInt64LE(BigInt(t.size));
      write(n);
      write(f32Bytes(t.data));
    }
  });
}
