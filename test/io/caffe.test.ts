import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  loadWeights,
  readCaffeFeatureFile,
  readCaffemodel,
  readMeanCube,
  saveCaffemodel,
  WeightsError,
} from '../../src/io/index.js';
import { assertTensorEquals, expected, fixture, miniShapes, tempDir } from './fixtures.js';

test('caffemodel (C3D schema, python protobuf): release layer names, blob layouts → our params', async () => {
  const ws = await loadWeights(fixture('mini_sport1m.caffemodel'), { expect: miniShapes() });
  assert.equal(ws.format, 'caffemodel');
  assert.equal(ws.params.size, 22);
  for (const [k, e] of Object.entries(expected.mini_caffe)) assertTensorEquals(ws.params.get(k), e, k);
  assert.equal(ws.convention?.channels, 'bgr');
  assert.deepEqual(ws.convention?.mean, { kind: 'cube' });
  assert.equal(ws.spec, 'c3d-sports1m');
});

test('caffemodel: fine-tuned names fc6/fc7/fc8 load the same values', async () => {
  const ws = await loadWeights(fixture('mini_ucf101.caffemodel'), { expect: miniShapes() });
  assertTensorEquals(ws.params.get('fc8.weight'), expected.mini_caffe['fc8.weight'], 'fc8.weight');
});

test('caffemodel: every layer is listed with its type, params and blob shapes', () => {
  const net = readCaffemodel(fixture('mini_sport1m.caffemodel'));
  assert.equal(net.name, 'deep_c3d_mini');
  const names = net.layers.map((l) => l.name);
  assert.deepEqual(names.slice(0, 4), ['data', 'conv1a', 'relu1a', 'pool1']);
  const fc6 = net.layers.find((l) => l.name === 'fc6-1')!;
  assert.equal(fc6.type, 'INNER_PRODUCT');
  assert.deepEqual(fc6.blobs.map((b) => b.shape), [[1, 1, 1, 6, 8], [1, 1, 1, 1, 6]]);
  const conv = net.layers.find((l) => l.name === 'conv1a')!;
  assert.deepEqual(conv.params.convolution_param, { num_output: 4, pad: 1, kernel_size: 3, kernel_depth: 3, temporal_pad: 1 });
  assert.deepEqual(conv.params.blobs_lr, [1, 2]);
  assert.deepEqual(net.layers.find((l) => l.name === 'pool1')!.params.pooling_param, { kernel_size: 2, stride: 2, kernel_depth: 1 });
});

test('caffemodel: blob sizes disagreeing with the shape fields → error naming file and layer', () => {
  const f = fixture('bad_blob_size.caffemodel');
  assert.throws(() => readCaffemodel(f), (e: Error) => {
    assert.ok(e instanceof WeightsError);
    assert.equal(e.message, `${f}: layer conv2a: blob shape (4×4×3×2×3) = 288 values but the blob holds 432 floats`);
    return true;
  });
});

test('caffemodel: truncated file → "file is truncated", at any cut point', () => {
  const { dir, cleanup } = tempDir();
  try {
    const bytes = readFileSync(fixture('mini_sport1m.caffemodel'));
    for (const cut of [1, 7, 200, 4000, bytes.length - 1]) {
      const p = join(dir, `cut${cut}.caffemodel`);
      writeFileSync(p, bytes.subarray(0, cut));
      assert.throws(() => readCaffemodel(p), (e: Error) => e instanceof WeightsError && e.message.startsWith(p) && /truncated|overruns/.test(e.message), `cut ${cut}`);
    }
  } finally {
    cleanup();
  }
});

test('caffemodel: a standard-BVLC-encoded blob is recognised by its wire types, not misread', () => {
  const { dir, cleanup } = tempDir();
  try {
    // BVLC BlobProto: num=1, channels=2, height=3, width=4, data=5 (packed). Here data=5 collides with
    // the C3D `width` varint field.
    const blob = Buffer.from([0x08, 1, 0x10, 1, 0x18, 1, 0x20, 2, 0x2a, 8, 0, 0, 0x80, 0x3f, 0, 0, 0, 0x40]);
    const layer = Buffer.concat([Buffer.from([0x22, 2]), Buffer.from('ip'), Buffer.from([0x32, blob.length]), blob]);
    const net = Buffer.concat([Buffer.from([0x12, layer.length]), layer]);
    const p = join(dir, 'bvlc.caffemodel');
    writeFileSync(p, net);
    assert.throws(() => readCaffemodel(p), /blob width \(field 5\) has wire type 2, expected 0 — not the facebook\/C3D v1.0 schema/);
  } finally {
    cleanup();
  }
});

test('caffemodel: our writer round-trips through the reader (release names fc6-1…)', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const ws = await loadWeights(fixture('mini_sport1m.caffemodel'));
    const out = join(dir, 'out.caffemodel');
    saveCaffemodel(out, ws);
    assert.deepEqual(readdirSync(dir), ['out.caffemodel']); // no temp file left behind
    const names = readCaffemodel(out).layers.map((l) => l.name);
    assert.deepEqual(names.slice(-3), ['fc6-1', 'fc7-1', 'fc8-1']);
    const back = await loadWeights(out, { expect: miniShapes() });
    for (const [k, e] of Object.entries(expected.mini_caffe)) assertTensorEquals(back.params.get(k), e, k);
  } finally {
    cleanup();
  }
});

test('binaryproto mean: a crop of the real release file, re-encoded by python protobuf', () => {
  const cube = readMeanCube(fixture('mean_crop.binaryproto'));
  assertTensorEquals(cube, expected.mean_crop, 'mean_crop');
});

test('binaryproto mean: the real release file fb_train16_128_mean (1×3×16×128×128)', () => {
  const real = expected.real_mean;
  // The release's own file (3 MB), committed as it came, so CI always reads the real thing.
  const cube = readMeanCube(fixture('fb_train16_128_mean.binaryproto'));
  assert.deepEqual([...cube.shape], real.shape);
  const per = cube.size / 3;
  for (let c = 0; c < 3; c++) {
    let s = 0;
    for (let i = 0; i < per; i++) s += cube.data[c * per + i];
    assert.ok(Math.abs(s / per - real.channel_means[c]) < 1e-9 * real.channel_means[c], `channel ${c} mean ${s / per}`);
  }
  let min = Infinity;
  let max = -Infinity;
  for (const v of cube.data) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  assert.equal(min, real.min);
  assert.equal(max, real.max);
  const strides = cube.strides();
  for (const p of real.probes) assert.equal(cube.data[p.index.reduce((a, d, i) => a + d * strides[i], 0)], p.value);
});

test('binaryproto: 0-byte file and truncated file', () => {
  const { dir, cleanup } = tempDir();
  try {
    const empty = join(dir, 'empty.binaryproto');
    writeFileSync(empty, '');
    assert.throws(() => readMeanCube(empty), { message: `${empty}: file is empty (0 bytes)` });
    const cut = join(dir, 'cut.binaryproto');
    writeFileSync(cut, readFileSync(fixture('mean_crop.binaryproto')).subarray(0, 100));
    assert.throws(() => readMeanCube(cut), /file is truncated: blob data runs past the end/);
  } finally {
    cleanup();
  }
});

test('feature blob file (five int32 + float32), as extract_image_features writes it', () => {
  assertTensorEquals(readCaffeFeatureFile(fixture('000016.fc6-1')), expected.feature_blob, 'fc6-1');
  const { dir, cleanup } = tempDir();
  try {
    const cut = join(dir, '000000.fc6-1');
    writeFileSync(cut, readFileSync(fixture('000016.fc6-1')).subarray(0, 30));
    assert.throws(() => readCaffeFeatureFile(cut), { message: `${cut}: shape 1×6×1×1×1 needs 44 bytes, file has 30` });
    copyFileSync(fixture('mini_sport1m.caffemodel'), join(dir, 'x'));
    assert.throws(() => readCaffeFeatureFile(join(dir, 'x')), /is not a C3D feature blob/);
    assert.throws(() => readCaffeFeatureFile(dir), /is a directory/);
  } finally {
    cleanup();
  }
});
