/**
 * Protocol-buffer wire-format primitives over a ByteCursor, for walking messages too large to decode
 * whole (a caffemodel is one ≈320 MB message). Small sub-messages are handed to protobufjs instead.
 */
import type { ByteCursor } from './cursor.js';
import { WeightsError } from './errors.js';

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

/** An unsigned varint as a number (exact up to 2^53; larger values only matter as "invalid"). */
export function readVarint(c: ByteCursor, what: string): number {
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    const b = c.u8(what);
    result += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return result;
    mul *= 128;
  }
  throw new WeightsError(c.file, `malformed protobuf: varint longer than 10 bytes at byte ${c.pos}`);
}

export interface FieldTag {
  field: number;
  wire: number;
}

export function readTag(c: ByteCursor, what: string): FieldTag {
  const key = readVarint(c, what);
  const field = Math.floor(key / 8);
  const wire = key % 8;
  if (field === 0) throw new WeightsError(c.file, `malformed protobuf: field number 0 at byte ${c.pos}`);
  return { field, wire };
}

/** Reads a length prefix and checks the payload fits inside the enclosing message ending at `end`. */
export function readLength(c: ByteCursor, end: number, what: string): number {
  const n = readVarint(c, what);
  if (c.pos + n > end) {
    if (end >= c.size && c.pos + n > c.size) throw c.truncated(what);
    throw new WeightsError(c.file, `malformed protobuf: ${what} (${n} bytes) overruns its enclosing message`);
  }
  return n;
}

/** Skips one field's payload of the given wire type. */
export function skipField(c: ByteCursor, tag: FieldTag, end: number, what: string): void {
  switch (tag.wire) {
    case WIRE_VARINT:
      readVarint(c, what);
      return;
    case WIRE_FIXED64:
      c.skip(8, what);
      return;
    case WIRE_LEN:
      c.skip(readLength(c, end, what), what);
      return;
    case WIRE_FIXED32:
      c.skip(4, what);
      return;
    default:
      throw new WeightsError(c.file, `malformed protobuf: unsupported wire type ${tag.wire} (field ${tag.field}) in ${what}`);
  }
}

/** Throws unless `tag` has the expected wire type: a mismatch means the file is not in the schema we assume. */
export function expectWire(c: ByteCursor, tag: FieldTag, wire: number, what: string, hint = ''): void {
  if (tag.wire !== wire) {
    throw new WeightsError(c.file, `${what} (field ${tag.field}) has wire type ${tag.wire}, expected ${wire}${hint}`);
  }
}
