import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNpy, writeNpy, parseNpy, formatNpy } from '../../src/io/npy.js';
import { fixture, tempDir } from './fixtures.js';

test('reads numpy-written float32 2-D, float64 1-D, int32 3-D and v2-header files', () => {
  const a = readNpy(fixture('npy_f32_2d.npy'));
  assert.equal(a.dtype, 'float32');
  assert.deepEqual(a.shape, [3, 4]);
  assert.ok(a.data instanceof Float32Array);
  assert.deepEqual(Array.from(a.data), Array.from({ length: 12 }, (_, i) => Math.fround(Math.fround(i) / 7)));
  const b = readNpy(fixture('npy_f64_1d.npy'));
  assert.equal(b.dtype, 'float64');
  assert.deepEqual(Array.from(b.data), [-1, -0.5, 0, 0.5, 1]);
  const c = readNpy(fixture('npy_i32_3d.npy'));
  assert.deepEqual(c.shape, [2, 3, 4]);
  assert.deepEqual(Array.from(c.data), Array.from({ length: 24 }, (_, i) => i - 5));
  const d = readNpy(fixture('npy_f32_v2.npy'));
  assert.deepEqual(d.shape, [1, 2]);
  assert.deepEqual(Array.from(d.data), [1.5, -2.25]);
});

test('data is copied out of Buffers (no aliasing of the file bytes)', () => {
  const bytes = readFileSync(fixture('npy_f32_2d.npy'));
  const a = parseNpy(bytes);
  assert.equal(a.data.byteOffset, 0);
  assert.equal(a.data[1], Math.fround(Math.fround(1) / 7));
});

test('rejects Fortran order, big-endian data, bad magic and truncation with the file name', () => {
  assert.throws(() => readNpy(fixture('npy_f32_fortran.npy')), /npy_f32_fortran\.npy: Fortran-order/);
  assert.throws(() => readNpy(fixture('npy_f32_bigendian.npy')), /npy_f32_bigendian\.npy: unsupported .npy dtype '>f4'/);
  assert.throws(() => parseNpy(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), 'x.npy'), /x\.npy: not a \.npy file/);
  const good = formatNpy({ shape: [4], data: new Float32Array(4) });
  assert.throws(() => parseNpy(good.subarray(0, good.length - 1), 't.npy'), /t\.npy: truncated .npy data/);
});

test('write → read round-trips every dtype with 64-byte aligned data and no temp files left', () => {
  const { dir, cleanup } = tempDir();
  try {
    const cases = [
      { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
      { shape: [3], data: Float64Array.from([Math.PI, -1e300, 0]) },
      { shape: [1, 1, 2], data: Int32Array.from([-7, 2 ** 31 - 1]) },
      { shape: [], data: Float32Array.from([42]) },
    ];
    cases.forEach((c, i) => {
      const p = join(dir, `a${i}.npy`);
      writeNpy(p, c);
      const bytes = readFileSync(p);
      const headerLen = bytes.readUInt16LE(8);
      assert.equal((10 + headerLen) % 64, 0);
      const r = readNpy(p);
      assert.deepEqual(r.shape, c.shape);
      assert.deepEqual(Array.from(r.data), Array.from(c.data));
    });
    assert.throws(() => writeNpy(join(dir, 'bad.npy'), { shape: [5], data: new Float32Array(4) }), /holds 5 values but data has 4/);
    assert.throws(() => writeNpy(join(dir, 'no', 'such', 'dir.npy'), { shape: [1], data: new Float32Array(1) }), /dir\.npy: cannot write/);
  } finally {
    cleanup();
  }
});
