/**
 * A minimal ZIP central-directory reader (with ZIP64), enough for torch.save's zip format: torch
 * writes every entry STORED (uncompressed) and pads local headers so data is 64-byte aligned, so an
 * entry's bytes can be read straight from the file into a typed array at a known offset. DEFLATEd
 * entries (an archive re-zipped by hand; torch.load accepts them) are inflated into memory.
 */
import { inflateRawSync } from 'node:zlib';
import { ByteCursor } from '../cursor.js';
import { WeightsError } from '../errors.js';

export interface ZipEntry {
  name: string;
  /** 0 = stored; anything else is compressed (refused by readers that need raw bytes). */
  method: number;
  size: number;
  compressedSize: number;
  localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** Lists the entries of the zip archive read by `c`. */
export function readZipDirectory(c: ByteCursor): Map<string, ZipEntry> {
  const file = c.file;
  const tailLen = Math.min(c.size, 22 + 65535);
  c.seek(c.size - tailLen);
  const tail = c.bytes(tailLen, 'the zip directory');
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new WeightsError(file, 'zip end-of-central-directory record not found (file truncated or not a zip)');
  let count = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  if (cdOffset === 0xffffffff || count === 0xffff || cdSize === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || tail.readUInt32LE(loc) !== ZIP64_LOCATOR) throw new WeightsError(file, 'zip64 locator missing');
    const recOffset = Number(tail.readBigUInt64LE(loc + 8));
    c.seek(recOffset);
    const rec = c.bytes(56, 'the zip64 directory record');
    if (rec.readUInt32LE(0) !== ZIP64_EOCD) throw new WeightsError(file, 'zip64 end-of-directory record is corrupt');
    count = Number(rec.readBigUInt64LE(32));
    cdSize = Number(rec.readBigUInt64LE(40));
    cdOffset = Number(rec.readBigUInt64LE(48));
  }
  if (cdOffset + cdSize > c.size) throw new WeightsError(file, 'file is truncated: zip central directory runs past the end');
  c.seek(cdOffset);
  const cd = c.bytes(cdSize, 'the zip central directory');
  const entries = new Map<string, ZipEntry>();
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== CENTRAL) throw new WeightsError(file, `zip central directory entry ${i} is corrupt`);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    const e: ZipEntry = {
      name: cd.toString('utf8', p + 46, p + 46 + nameLen),
      method: cd.readUInt16LE(p + 10),
      compressedSize: cd.readUInt32LE(p + 20),
      size: cd.readUInt32LE(p + 24),
      localHeaderOffset: cd.readUInt32LE(p + 42),
    };
    applyZip64Extra(e, cd.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen));
    entries.set(e.name, e);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** ZIP64 extra field (id 1): 8-byte values for whichever of size, compressed size, offset overflowed. */
function applyZip64Extra(e: ZipEntry, extra: Buffer): void {
  let q = 0;
  while (q + 4 <= extra.length) {
    const id = extra.readUInt16LE(q);
    const len = extra.readUInt16LE(q + 2);
    if (id === 1) {
      let r = q + 4;
      const next = (): number => {
        const v = Number(extra.readBigUInt64LE(r));
        r += 8;
        return v;
      };
      if (e.size === 0xffffffff) e.size = next();
      if (e.compressedSize === 0xffffffff) e.compressedSize = next();
      if (e.localHeaderOffset === 0xffffffff) e.localHeaderOffset = next();
    }
    q += 4 + len;
  }
}

/** The absolute offset of an entry's data (after its local header, whose extra field may differ). */
export function entryDataOffset(c: ByteCursor, e: ZipEntry): number {
  c.seek(e.localHeaderOffset);
  const h = c.bytes(30, `zip entry ${e.name}`);
  if (h.readUInt32LE(0) !== LOCAL) throw new WeightsError(c.file, `zip entry ${e.name}: local header is corrupt`);
  const start = e.localHeaderOffset + 30 + h.readUInt16LE(26) + h.readUInt16LE(28);
  if (start + e.compressedSize > c.size) throw new WeightsError(c.file, `file is truncated: zip entry ${e.name} runs past the end`);
  return start;
}

/** Where an entry's uncompressed bytes can be read: the file itself (stored) or an inflated buffer. */
export interface EntryData {
  cursor: ByteCursor;
  offset: number;
  bytes: number;
}

export function entryData(c: ByteCursor, e: ZipEntry): EntryData {
  const start = entryDataOffset(c, e);
  if (e.method === 0) return { cursor: c, offset: start, bytes: e.size };
  if (e.method !== 8) throw new WeightsError(c.file, `zip entry ${e.name} uses compression method ${e.method} (only stored and deflate are supported)`);
  c.seek(start);
  let raw: Buffer;
  try {
    raw = inflateRawSync(c.bytes(e.compressedSize, `zip entry ${e.name}`));
  } catch (err) {
    throw new WeightsError(c.file, `zip entry ${e.name} does not inflate: ${(err as Error).message}`);
  }
  if (raw.length !== e.size) throw new WeightsError(c.file, `zip entry ${e.name} inflates to ${raw.length} bytes, the directory says ${e.size}`);
  return { cursor: ByteCursor.fromBuffer(raw, c.file), offset: 0, bytes: raw.length };
}
