import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint, loadWeights, readSafetensors, saveSafetensors, WeightsError, type WeightSet } from '../../src/io/index.js';
import { Tensor } from '../../src/tensor/index.js';
import { assertTensorEquals, expected, fixture, miniShapes, tempDir } from './fixtures.js';

test('safetensors written by the spec-following numpy writer: F32/F64/I64/F16 + __metadata__', () => {
  const { tensors, dtypes, metadata } = readSafetensors(fixture('ref.safetensors'));
  assert.deepEqual(metadata, expected.ref_safetensors.metadata);
  for (const [k, e] of Object.entries(expected.ref_safetensors.tensors)) assertTensorEquals(tensors.get(k), e, k);
  assert.equal(dtypes.get('extra.i64'), 'I64');
  assert.equal(dtypes.get('extra.f16'), 'F16');
});

test('our checkpoint: weights + spec + convention + mean cube + optimizer state round-trip', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const src = await loadWeights(fixture('mini_sport1m.caffemodel'));
    const cube = Tensor.from([1, 3, 2, 4, 5], Array.from({ length: 120 }, (_, i) => 100 + i / 8));
    const ws: WeightSet = { ...src, spec: 'mini', convention: { channels: 'bgr', mean: { kind: 'cube', file: 'm.binaryproto', data: cube } } };
    const momentum = new Map([...src.params].map(([k, t]) => [k, Tensor.filled(t.shape, 0.5)]));
    const out = join(dir, 'ckpt.safetensors');
    await saveSafetensors(out, ws, { tensors: momentum, state: { step: 1200, epoch: 3, lr: 0.0015, schedule: { stepsize: 150000, gamma: 0.5 } } });
    assert.deepEqual(readdirSync(dir), ['ckpt.safetensors']);
    const { weights, training } = await loadCheckpoint(out, { expect: miniShapes(), spec: 'mini' });
    for (const [k, e] of Object.entries(expected.mini_caffe)) assertTensorEquals(weights.params.get(k), e, k);
    assert.equal(weights.spec, 'mini');
    assert.equal(weights.convention?.channels, 'bgr');
    const mean = weights.convention?.mean;
    assert.ok(mean !== 'none' && mean?.kind === 'cube');
    assert.equal(mean.file, 'm.binaryproto');
    assert.deepEqual([...mean.data!.data], [...cube.data]);
    assert.deepEqual(training?.state, { step: 1200, epoch: 3, lr: 0.0015, schedule: { stepsize: 150000, gamma: 0.5 } });
    assert.equal(training?.tensors.size, 22);
    assert.equal(training?.tensors.get('fc8.bias')?.data[0], 0.5);
    // The layout: u64 header size, JSON header padded to 8 with spaces, data section tiled exactly.
    const raw = readFileSync(out);
    const n = Number(raw.readBigUInt64LE(0));
    assert.equal(n % 8, 0);
    const header = JSON.parse(raw.subarray(8, 8 + n).toString()) as Record<string, { data_offsets: number[] }>;
    const ends = Object.entries(header).filter(([k]) => k !== '__metadata__').map(([, v]) => v.data_offsets[1]);
    assert.equal(8 + n + Math.max(...ends), raw.length);
    await assert.rejects(loadCheckpoint(out, { spec: 'other' }), { message: `${out}: holds weights for spec 'mini', not 'other'` });
  } finally {
    cleanup();
  }
});

test('safetensors: corrupt headers, bad offsets, truncation', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const good = readFileSync(fixture('ref.safetensors'));
    const write = (name: string, b: Buffer): string => {
      const p = join(dir, name);
      writeFileSync(p, b);
      return p;
    };
    const cut = write('cut.safetensors', good.subarray(0, good.length - 10));
    assert.throws(() => readSafetensors(cut), (e: Error) => e instanceof WeightsError && /file is truncated: tensor \S+ runs past the end/.test(e.message));
    const tail = write('tail.safetensors', Buffer.concat([good, Buffer.alloc(4)]));
    assert.throws(() => readSafetensors(tail), { message: `${tail}: 4 bytes after the last tensor (corrupt file)` });
    const hdr = (obj: unknown, data: Buffer): Buffer => {
      const j = Buffer.from(JSON.stringify(obj));
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(j.length));
      return Buffer.concat([len, j, data]);
    };
    const size = write('size.safetensors', hdr({ w: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 20] } }, Buffer.alloc(20)));
    assert.throws(() => readSafetensors(size), { message: `${size}: layer w: shape [2, 3] F32 needs 24 bytes, data_offsets span 20` });
    const gap = write('gap.safetensors', hdr({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, Buffer.alloc(8)));
    assert.throws(() => readSafetensors(gap), /data_offsets leave a gap or overlap at byte 4/);
    const dt = write('dtype.safetensors', hdr({ a: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }, Buffer.alloc(8)));
    assert.throws(() => readSafetensors(dt), { message: `${dt}: layer a: unsupported dtype C64` });
    const json = write('json.safetensors', Buffer.concat([Buffer.from([5, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{"a":')]));
    assert.throws(() => readSafetensors(json), /safetensors header is not valid JSON/);
  } finally {
    cleanup();
  }
});
