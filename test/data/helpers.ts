/** Test helpers for src/data: temp trees of tiny placeholder files and hand-written .npy bytes. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A fresh temp directory, removed when the test process exits. */
export function tempDir(prefix = 'c3d-data-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `content` to `path`, creating its folders; returns `path`. Content is irrelevant to the readers (only existence). */
export function touch(path: string, content: string | Uint8Array = 'x'): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  return path;
}

/** A frames folder with `n` files named by `name(i)` (default `%06d.jpg`, from 1); returns its path. */
export function framesDir(path: string, n: number, name = (i: number) => `${String(i).padStart(6, '0')}.jpg`): string {
  mkdirSync(path, { recursive: true });
  for (let i = 1; i <= n; i++) writeFileSync(join(path, name(i)), 'jpg');
  return path;
}

/** .npy v1.0 bytes for any dtype descriptor (e.g. `<i8`, which src/io/npy.ts reads but cannot write). */
export function rawNpy(descr: string, shape: readonly number[], data: ArrayBufferView): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const header = dict.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(total + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, total - 10, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), total);
  return out;
}

/** int64 .npy bytes of `values`. */
export function int64Npy(values: readonly (number | bigint)[], shape: readonly number[] = [values.length]): Uint8Array {
  return rawNpy('<i8', shape, BigInt64Array.from(values, (v) => BigInt(v)));
}
