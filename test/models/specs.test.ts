import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  blobShapes, countMacs, countParams, getModel, modelNames, paramShapes, parseNetSpec, specToJson, SpecError,
  analyzeSpec, type NetSpec,
} from '../../src/models/index.js';

test('C3D parameter counts match the released model (487 and 101 classes)', () => {
  const c3d = getModel('c3d-sports1m');
  assert.equal(countParams(c3d), 79_991_015);
  assert.equal(countParams(getModel('c3d-sports1m', { classes: 101 })), 78_409_573);
  const fc8 = 487 * 4096 + 487;
  assert.equal(countParams(c3d) - fc8, 77_995_776, 'backbone without fc8');
  assert.equal(countParams(getModel('c3d-pytorch-port')), 79_991_015);
});

test('C3D multiply-adds per clip = 38,548,959,232', () => {
  assert.equal(countMacs(getModel('c3d-sports1m')), 38_548_959_232);
});

test('C3D blob and parameter shapes follow Caffe (pool5 512×1×4×4, fc6 input 8192)', () => {
  const blobs = blobShapes(getModel('c3d-sports1m'));
  assert.deepEqual(blobs.get('data'), [3, 16, 112, 112]);
  assert.deepEqual(blobs.get('pool1'), [64, 16, 56, 56]);
  assert.deepEqual(blobs.get('conv5b'), [512, 2, 7, 7]);
  assert.deepEqual(blobs.get('pool5'), [512, 1, 4, 4]);
  assert.deepEqual(blobs.get('prob'), [487]);
  const p = paramShapes(getModel('c3d-sports1m'));
  assert.deepEqual(p.get('conv1a.weight'), [64, 3, 3, 3, 3]);
  assert.deepEqual(p.get('conv1a.bias'), [64]);
  assert.deepEqual(p.get('fc6.weight'), [4096, 8192]);
  assert.deepEqual(p.get('fc8.weight'), [487, 4096]);
  assert.deepEqual([...p.keys()].filter((k) => k.endsWith('.weight')).map((k) => k.slice(0, -7)),
    ['conv1a', 'conv2a', 'conv3a', 'conv3b', 'conv4a', 'conv4b', 'conv5a', 'conv5b', 'fc6', 'fc7', 'fc8']);
});

test('the PyTorch port differs only in pool5 (pad 0,1,1, floor), same shapes', () => {
  const a = getModel('c3d-sports1m');
  const b = getModel('c3d-pytorch-port');
  const pa = a.layers.find((l) => l.name === 'pool5');
  const pb = b.layers.find((l) => l.name === 'pool5');
  assert.deepEqual(pa, { type: 'pool3d', name: 'pool5', kernel: [2, 2, 2], stride: [2, 2, 2], pad: [0, 0, 0], rounding: 'ceil' });
  assert.deepEqual(pb, { type: 'pool3d', name: 'pool5', kernel: [2, 2, 2], stride: [2, 2, 2], pad: [0, 1, 1], rounding: 'floor' });
  assert.deepEqual(blobShapes(b).get('pool5'), [512, 1, 4, 4]);
  assert.deepEqual(a.layers.filter((l) => l.name !== 'pool5'), b.layers.filter((l) => l.name !== 'pool5'));
});

test('net-64 / net-128 / net-256 are within 1% of the paper (11.1M / 17.5M / 34.8M, 101 classes)', () => {
  for (const [name, paper, size] of [['net-64', 11.1e6, 56], ['net-128', 17.5e6, 112], ['net-256', 34.8e6, 224]] as const) {
    const spec = getModel(name);
    assert.equal(spec.input[2], size);
    const n = countParams(spec);
    assert.ok(Math.abs(n - paper) / paper < 0.01, `${name}: ${n} vs paper ${paper}`);
  }
  assert.deepEqual(getModel('net-128').layers, getModel('depth-3').layers, 'net-128 is depth-3 (appendix A)');
});

test('search family: 5 convs 64/128/256/256/256 with the named temporal depths, fc 2048, conv1..conv5 names', () => {
  const depths: Record<string, number[]> = {
    'depth-1': [1, 1, 1, 1, 1], 'depth-3': [3, 3, 3, 3, 3], 'depth-5': [5, 5, 5, 5, 5], 'depth-7': [7, 7, 7, 7, 7],
    increasing: [3, 3, 5, 5, 7], decreasing: [7, 5, 5, 3, 3],
  };
  for (const [name, ds] of Object.entries(depths)) {
    const spec = getModel(name);
    const convs = spec.layers.filter((l) => l.type === 'conv3d');
    assert.deepEqual(convs.map((l) => l.name), ['conv1', 'conv2', 'conv3', 'conv4', 'conv5']);
    assert.deepEqual(convs.map((l) => l.type === 'conv3d' && l.out), [64, 128, 256, 256, 256]);
    assert.deepEqual(convs.map((l) => l.type === 'conv3d' && l.kernel), ds.map((d) => [d, 3, 3]));
    assert.deepEqual(convs.map((l) => l.type === 'conv3d' && l.pad), ds.map((d) => [(d - 1) / 2, 1, 1]), 'same-size padding');
    const shapes = blobShapes(spec);
    assert.deepEqual(shapes.get('pool5'), [256, 1, 4, 4], `${name}: same pool5 → same fc sizes`);
    assert.deepEqual(shapes.get('fc6'), [2048]);
    assert.deepEqual(shapes.get('prob'), [101]);
  }
});

test('depth-7 vs depth-1: our plain count differs by 9,300,096 (the paper says 51K; see docs/models.md)', () => {
  const d1 = countParams(getModel('depth-1'));
  const d7 = countParams(getModel('depth-7'));
  // Each extra temporal tap adds 9·(3·64 + 64·128 + 128·256 + 2·256·256) = 1,550,016 weights.
  assert.equal(d7 - d1, 6 * 1_550_016);
  assert.equal(d1, 14_344_933);
  assert.equal(d7, 23_645_029);
  // The paper's 17K / 51K match a count without the input-channel factor: 960 filters × 3×3 × Δd.
  const filters = 64 + 128 + 256 + 256 + 256;
  assert.equal(filters * 9 * 2, 17_280);
  assert.equal(filters * 9 * 6, 51_840);
});

test('width and size options scale a net down; classes sets the head', () => {
  const small = getModel('c3d-sports1m', { width: 1 / 16, size: 56, length: 8, classes: 5 });
  assert.deepEqual(small.input, [3, 8, 56, 56]);
  assert.equal(small.layers.find((l) => l.name === 'conv1a')?.type === 'conv3d' && (small.layers.find((l) => l.name === 'conv1a') as { out: number }).out, 4);
  assert.deepEqual(paramShapes(small).get('fc8.weight'), [5, 256]);
  assert.match(small.name, /c3d-sports1m \(.*classes 5/);
  assert.ok(countParams(small) < 500_000);
});

test('every built-in spec round-trips through JSON and validates', () => {
  assert.ok(modelNames.length >= 11);
  for (const name of modelNames) {
    const spec = getModel(name);
    const back = parseNetSpec(specToJson(spec), name);
    assert.deepEqual(back, spec, name);
    assert.deepEqual(JSON.parse(JSON.stringify(spec)), spec);
    assert.ok(countMacs(spec) > 0 && countParams(spec) > 0);
    assert.deepEqual(spec.outputs.slice(1), ['pool5', 'fc6', 'fc7', 'fc8', 'prob']);
  }
});

test('bad model names and options fail with a clear message', () => {
  assert.throws(() => getModel('c3d'), (e: Error) => e instanceof SpecError && /unknown model 'c3d'.*known: c3d-sports1m, c3d-pytorch-port/.test(e.message));
  assert.throws(() => getModel('toString'), /unknown model 'toString'/);
  for (const classes of [0, -3, 1.5, NaN]) {
    assert.throws(() => getModel('c3d-sports1m', { classes }), /classes must be a positive integer/);
  }
  assert.throws(() => getModel('depth-3', { width: 0 }), /width must be a positive number/);
  assert.throws(() => getModel('c3d-pytorch-port', { length: 8 }), /layer pool5: window \[2,2,2\] does not fit input \[512,1,7,7\]/);
});

test('hand-written specs are validated layer by layer', () => {
  const base = (): NetSpec => JSON.parse(specToJson(getModel('depth-3', { width: 1 / 8 }))) as NetSpec;
  const dup = base();
  dup.layers[2]!.name = 'conv1';
  assert.throws(() => analyzeSpec(dup), /duplicate layer name conv1/);
  const badType = base();
  (badType.layers[0] as { type: string }).type = 'conv2d';
  assert.throws(() => analyzeSpec(badType), /layer conv1: unknown type "conv2d"/);
  const badKernel = base();
  (badKernel.layers[0] as { kernel: unknown }).kernel = [3, 3];
  assert.throws(() => analyzeSpec(badKernel), /layer conv1: kernel must be a triple/);
  const badOut = base();
  badOut.outputs = ['fc9'];
  assert.throws(() => analyzeSpec(badOut), /output "fc9" is not a blob/);
  assert.throws(() => parseNetSpec('{"name": "x"', 'spec.json'), /spec.json: not valid JSON/);
  assert.throws(() => parseNetSpec('{"name": "x", "input": [3, 16, 112], "layers": [], "outputs": []}', 'spec.json'), /spec.json: spec x: input must be \[C, L, H, W\]/);
});
