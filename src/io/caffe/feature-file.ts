/**
 * The release's feature-extraction output (extract_image_features): one file per clip and blob, five
 * int32 (n, c, l, h, w) then n·c·l·h·w float32, in the writer's native byte order (little-endian on
 * every machine the release ran on; a big-endian file is recognised by its absurd header and refused).
 */
import { readFileSync, statSync } from 'node:fs';
import { WeightsError } from '../errors.js';
import { Tensor } from '../../tensor/index.js';

export function readCaffeFeatureFile(path: string): Tensor {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw new WeightsError(path, 'no such file');
  }
  if (isDir) throw new WeightsError(path, 'is a directory, expected a feature blob file');
  const buf = readFileSync(path);
  if (buf.length < 20) throw new WeightsError(path, `file is truncated: ${buf.length} bytes, the header alone is 20`);
  const shape = [0, 1, 2, 3, 4].map((i) => buf.readInt32LE(i * 4));
  if (shape.some((d) => d <= 0 || d > 1 << 24)) {
    throw new WeightsError(path, `header (${shape.join(', ')}) is not a C3D feature blob (n, c, l, h, w)`);
  }
  const n = shape.reduce((a, b) => a * b, 1);
  if (buf.length !== 20 + 4 * n) {
    throw new WeightsError(path, `shape ${shape.join('×')} needs ${20 + 4 * n} bytes, file has ${buf.length}`);
  }
  const data = new Float32Array(n);
  new Uint8Array(data.buffer).set(buf.subarray(20));
  return new Tensor(shape, data);
}
