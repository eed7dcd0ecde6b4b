/** The page's query parameters and the metadata it reads from our ONNX exports (no browser needed). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePageParams } from '../../src/web/params.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readOnnxNet } from '../../src/web/onnx-net.js';
import { ONNX_META } from '../../src/io/onnx-meta.js';
import { writeOnnxModel } from '../../src/io/onnx-export.js';
import { CAFFE_CONVENTION, conventionToJSON } from '../../src/io/convention.js';
import { getModel } from '../../src/models/index.js';
import { initParams } from '../../src/nn/index.js';
import { tempDir } from '../eval/fixtures.js';

test('query parameters: defaults, overrides as the CLI flags parse them, one-line errors', () => {
  assert.deepEqual(parsePageParams(''), { video: undefined, clips: undefined, weights: undefined, layer: 'fc6', channels: undefined, mean: undefined, backend: 'onnxruntime', threads: undefined, fps: undefined, batch: 2 });
  const p = parsePageParams('?video=/files/a.mp4&weights=/files/n.onnx&layer=prob&mean=104,117,123&channels=rgb&backend=wasm&threads=2&fps=29.97&batch=4');
  assert.equal(p.video, '/files/a.mp4');
  assert.equal(p.weights, '/files/n.onnx');
  assert.equal(p.layer, 'prob');
  assert.deepEqual(p.mean, { kind: 'bgr', values: [104, 117, 123] });
  assert.equal(p.channels, 'rgb');
  assert.equal(p.backend, 'wasm');
  assert.equal(p.threads, 2);
  assert.equal(p.fps, 29.97);
  assert.equal(p.batch, 4);
  assert.deepEqual(parsePageParams('?mean=none').mean, 'none');
  assert.deepEqual(parsePageParams('?mean=/files/mean.npy').mean, { kind: 'cube', file: '/files/mean.npy' });
  assert.throws(() => parsePageParams('?channels=bgra'), /^Error: channels= must be bgr or rgb, got 'bgra'$/);
  assert.throws(() => parsePageParams('?backend=gpu'), /^Error: backend= must be onnxruntime, webgpu, wasm, got 'gpu'$/);
  assert.equal(parsePageParams('?backend=webgpu').backend, 'webgpu');
  assert.throws(() => parsePageParams('?threads=0'), /^Error: threads= must be a positive integer, got '0'$/);
});

test('the page reads the metadata c3d export-onnx writes: the spec and the input convention', () => {
  const { dir, cleanup } = tempDir();
  try {
    const spec = getModel('depth-3', { classes: 5, width: 0.125, size: 32, length: 8 });
    const path = join(dir, 'net.onnx');
    writeOnnxModel(path, spec, initParams(spec, { seed: 2 }), { convention: CAFFE_CONVENTION });
    const net = readOnnxNet(new Uint8Array(readFileSync(path)), path);
    assert.deepEqual(net.spec, spec);
    assert.equal(net.metadata.get(ONNX_META.input), conventionToJSON(CAFFE_CONVENTION));
    assert.deepEqual(net.input, spec.input);
  } finally {
    cleanup();
  }
});
