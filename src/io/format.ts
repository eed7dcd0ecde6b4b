/**
 * Recognises a weights file by its magic bytes (and, for protobuf files, their leading fields),
 * cross-checked against its extension, so no parser ever reads a file of another format.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { WeightsError } from './errors.js';
import { fileLooksLikeOnnx } from './onnx-weights.js';
import { looksLikeSafetensors } from './safetensors.js';

export type WeightsFormat = 'caffemodel' | 'binaryproto' | 'torch-zip' | 'torch-legacy' | 'pickle' | 'safetensors' | 'onnx' | 'caffe-feature';

/** Extensions and the formats they may hold. */
const BY_EXTENSION: Record<string, WeightsFormat[]> = {
  '.caffemodel': ['caffemodel'],
  '.binaryproto': ['binaryproto'],
  '.pt': ['torch-zip', 'torch-legacy'],
  '.pth': ['torch-zip', 'torch-legacy'],
  '.pickle': ['torch-legacy', 'torch-zip', 'pickle'],
  '.pkl': ['torch-legacy', 'torch-zip', 'pickle'],
  '.safetensors': ['safetensors'],
  '.onnx': ['onnx'],
};

/** extract_image_features output: five positive int32 (n, c, l, h, w) and exactly that many floats. */
function isCaffeFeature(head: Buffer, size: number): boolean {
  if (head.length < 16 || size < 20) return false;
  const dims = [0, 1, 2, 3].map((i) => head.readInt32LE(i * 4));
  if (dims.some((d) => d <= 0 || d > 1 << 24)) return false;
  const rest = (size - 20) / 4 / dims.reduce((a, b) => a * b, 1);
  return Number.isInteger(rest) && rest >= 1 && rest <= 1 << 24;
}

const LEGACY_TORCH_HEAD = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

function sniff(path: string, head: Buffer, size: number): WeightsFormat | undefined {
  if (head.length >= 4 && head.readUInt32LE(0) === 0x04034b50) return 'torch-zip';
  if (LEGACY_TORCH_HEAD.every((b, i) => head[i] === b)) return 'torch-legacy';
  if (head[0] === 0x80 && head[1] >= 2 && head[1] <= 5) return 'pickle';
  if (looksLikeSafetensors(head, size)) return 'safetensors';
  // An ONNX ModelProto starts with 0x08 (ir_version) like a Caffe BlobProto (num): its fields tell.
  if (head[0] === 0x08 && fileLooksLikeOnnx(path)) return 'onnx';
  return undefined;
}

/** The format of `path`; throws WeightsError for directories, empty files and mismatched magic. */
export function detectFormat(path: string): WeightsFormat {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new WeightsError(path, 'no such file');
  }
  if (st.isDirectory()) throw new WeightsError(path, 'is a directory, expected a weights file');
  if (st.size === 0) throw new WeightsError(path, 'file is empty (0 bytes)');
  const head = Buffer.alloc(Math.min(16, st.size));
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  const sniffed = sniff(path, head, st.size);
  const ext = extname(path).toLowerCase();
  const allowed = BY_EXTENSION[ext];
  if (allowed) {
    if (sniffed && allowed.includes(sniffed)) return sniffed;
    // Protobuf has no magic: a .caffemodel/.binaryproto is anything not recognisably something else.
    if (!sniffed && (ext === '.caffemodel' || ext === '.binaryproto')) return allowed[0];
    throw new WeightsError(
      path,
      `wrong magic: a ${ext} file should be ${allowed.join(' or ')}, but the first bytes (${hex(head)}) ${sniffed ? `are ${sniffed}` : 'match no known format'}`,
    );
  }
  if (sniffed) return sniffed;
  // Checked before the protobuf guess: a feature file whose n is 8 starts with byte 0x08 too.
  if (isCaffeFeature(head, st.size)) return 'caffe-feature';
  // Protobuf NetParameter starts with field 1 (name) or 2 (layers); BlobProto with field 1 (num).
  if (head[0] === 0x0a || head[0] === 0x12) return 'caffemodel';
  if (head[0] === 0x08) return 'binaryproto';
  throw new WeightsError(path, `unrecognised weights format (first bytes ${hex(head)}); use a known extension`);
}

function hex(b: Buffer): string {
  return [...b.subarray(0, 8)].map((x) => x.toString(16).padStart(2, '0')).join(' ');
}
