/**
 * C3D-format BlobProto: five shape fields (num, channels, length, height, width) and packed float data.
 * Parsed straight off a ByteCursor so each blob's floats land in one Float32Array without an
 * intermediate JS number array (which would cost 8× the memory of a 134 MB fc6 blob).
 */
import { ByteCursor, withFile } from '../cursor.js';
import { WeightsError } from '../errors.js';
import { expectWire, readLength, readTag, readVarint, skipField, WIRE_FIXED32, WIRE_LEN, WIRE_VARINT } from '../protowire.js';
import { Tensor } from '../../tensor/index.js';
import { looksLikeOnnx } from '../onnx-weights.js';
import { FIELD } from './schema.js';

/** A decoded blob: its 5-D shape fields and data (length = product of the shape, checked). */
export interface CaffeBlob {
  shape: [number, number, number, number, number];
  data: Float32Array;
}

const SHAPE_FIELDS = ['num', 'channels', 'length', 'height', 'width'] as const;
const BVLC_HINT = ' — not the facebook/C3D v1.0 schema (a standard BVLC file?)';

/** Reads one BlobProto occupying [c.pos, end). `layer` labels errors. */
export function readBlob(c: ByteCursor, end: number, layer?: string): CaffeBlob {
  const shape = [0, 0, 0, 0, 0];
  const chunks: Float32Array[] = [];
  let loose: number[] | undefined;
  while (c.pos < end) {
    const tag = readTag(c, 'a blob field');
    if (tag.field >= FIELD.blob.num && tag.field <= FIELD.blob.width) {
      const name = SHAPE_FIELDS[tag.field - 1];
      expectWire(c, tag, WIRE_VARINT, `blob ${name}`, BVLC_HINT);
      const v = readVarint(c, `blob ${name}`);
      if (v > 0x7fffffff) throw new WeightsError(c.file, `blob ${name} is negative or too large (${v})`, layer);
      shape[tag.field - 1] = v;
    } else if (tag.field === FIELD.blob.data && tag.wire === WIRE_LEN) {
      const n = readLength(c, end, 'blob data');
      if (n % 4 !== 0) throw new WeightsError(c.file, `blob data is ${n} bytes, not a whole number of floats`, layer);
      const a = new Float32Array(n / 4);
      c.readInto(new Uint8Array(a.buffer), 'blob data');
      chunks.push(a);
    } else if (tag.field === FIELD.blob.data) {
      // Unpacked repeated float (legal protobuf, never written by Caffe itself).
      expectWire(c, tag, WIRE_FIXED32, 'blob data', BVLC_HINT);
      (loose ??= []).push(c.bytes(4, 'blob data').readFloatLE(0));
    } else {
      skipField(c, tag, end, 'a blob field'); // diff and anything unknown
    }
  }
  if (c.pos !== end) throw new WeightsError(c.file, 'malformed protobuf: blob overruns its length', layer);
  if (loose) chunks.push(Float32Array.from(loose));
  const data = chunks.length === 1 ? chunks[0] : concat(chunks);
  const expected = shape.reduce((a, b) => a * b, 1);
  if (data.length !== expected) {
    throw new WeightsError(
      c.file,
      `blob shape (${shape.join('×')}) = ${expected} values but the blob holds ${data.length} floats`,
      layer,
    );
  }
  return { shape: shape as CaffeBlob['shape'], data };
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/**
 * Reads a `.binaryproto` blob file (the release's mean cube): returns a 5-D tensor
 * (num, channels, length, height, width), e.g. 1×3×16×128×171 in BGR channel order.
 */
export function readBinaryproto(path: string): Tensor {
  return withFile(path, (c) => {
    if (c.size === 0) throw new WeightsError(path, 'file is empty (0 bytes)');
    // Both start with 0x08: say what the file is rather than misread an ONNX model as a blob.
    if (looksLikeOnnx(c)) throw new WeightsError(path, 'is an ONNX model, not a Caffe mean file (.binaryproto)');
    c.seek(0);
    const blob = readBlob(c, c.size);
    if (blob.data.length === 0) throw new WeightsError(path, 'blob has no data (not a C3D v1.0 binaryproto?)');
    return new Tensor(blob.shape, blob.data);
  });
}

/** Encodes one C3D BlobProto (header with protobufjs' Writer conventions, then the raw floats). */
export function encodeBlob(shape: readonly number[], data: Float32Array): Uint8Array[] {
  if (shape.length !== 5) throw new Error(`encodeBlob: C3D blobs are 5-D, got [${shape.join(', ')}]`);
  const head: number[] = [];
  shape.forEach((d, i) => {
    head.push(((i + 1) << 3) | WIRE_VARINT);
    pushVarint(head, d);
  });
  head.push((FIELD.blob.data << 3) | WIRE_LEN);
  pushVarint(head, data.byteLength);
  return [Uint8Array.from(head), new Uint8Array(data.buffer, data.byteOffset, data.byteLength)];
}

export function pushVarint(out: number[], v: number): void {
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}
