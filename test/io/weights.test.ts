import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  describeConvention,
  detectPreset,
  expectedShapes,
  KEYMAP_PRESETS,
  loadWeights,
  mapKeys,
  parseKeyMap,
  parseMean,
  readCaffeFeatureFile,
  readCaffemodel,
  readMeanCube,
  readSafetensors,
  readTorchFile,
  validateParams,
  WeightsError,
  WEIGHTS_HINT,
  DEMO_WEIGHTS,
  type KeyRule,
} from '../../src/io/index.js';
import { getModel, paramShapes } from '../../src/models/index.js';
import { Tensor } from '../../src/tensor/index.js';
import { checkParams, WeightsMismatchError } from '../../src/nn/index.js';
import { fixture, miniShapes, tempDir } from './fixtures.js';

test('bad input: 0-byte file, directory, missing file — one line naming the file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const empty = join(dir, 'empty.pt');
    writeFileSync(empty, '');
    await assert.rejects(loadWeights(empty), { name: 'WeightsError', message: `${empty}: file is empty (0 bytes)` });
    const sub = join(dir, 'model.caffemodel');
    mkdirSync(sub);
    await assert.rejects(loadWeights(sub), { message: `${sub}: is a directory, expected a weights file` });
    await assert.rejects(loadWeights(join(dir, 'nope.pt')), { message: `${join(dir, 'nope.pt')}: no such file: ${WEIGHTS_HINT}` });
    await assert.rejects(loadWeights(fixture('mean_crop.binaryproto')), /is a Caffe mean file, not weights: pass it with --mean/);
  } finally {
    cleanup();
  }
});

test('bad input: state_dict with a missing key / an extra key / a shape mismatch against the spec', async () => {
  const f = fixture('port_mini.pt');
  const missing = miniShapes();
  missing.set('fc9.weight', [3, 5]);
  await assert.rejects(loadWeights(f, { expect: missing }), { message: `${f}: layer fc9: missing fc9.weight (expected [3, 5])` });
  const extra = miniShapes();
  extra.delete('fc8.weight');
  extra.delete('fc8.bias');
  await assert.rejects(loadWeights(f, { expect: extra }), {
    message: `${f}: layer fc8: unexpected key fc8.weight (not in the spec; drop it with --map fc8=) (and 1 more problem)`,
  });
  // …and dropping it with a map makes the same file load.
  const ws = await loadWeights(f, { expect: extra, map: 'fc8=' });
  assert.equal(ws.params.has('fc8.weight'), false);
  const shape = miniShapes();
  shape.set('conv3b.weight', [8, 4, 3, 3, 3]);
  await assert.rejects(loadWeights(f, { expect: shape }), {
    message: `${f}: layer conv3b: conv3b.weight has shape [4, 4, 3, 3, 3], the spec expects [8, 4, 3, 3, 3]`,
  });
});

test('validation against a real spec from src/models (paramShapes), fc8 size taken from the weights', () => {
  const spec = getModel('depth-3', { width: 1 / 32, size: 32, classes: 7 });
  const shapes = paramShapes(spec);
  const params = new Map([...shapes].map(([k, s]) => [k, Tensor.zeros(s)]));
  validateParams('x.safetensors', params, expectedShapes('depth-3', params, { width: 1 / 32, size: 32 }));
  params.set('conv2.bias', Tensor.zeros([3]));
  assert.throws(() => validateParams('x.safetensors', params, shapes), (e: Error) =>
    e instanceof WeightsError && e.message.startsWith('x.safetensors: layer conv2: bias has 3 values but weight [4, 2, 3, 3, 3] has 4 outputs'));
});

test('--map: inline pairs rename prefixes; two keys onto one name is an error', async () => {
  const f = fixture('port_mini.pt');
  const ws = await loadWeights(f, { map: 'fc6=fc6x' });
  assert.ok(ws.params.has('fc6x.weight') && ws.params.has('conv1a.weight'));
  await assert.rejects(loadWeights(f, { map: 'fc7=fc6' }), { message: `${f}: layer fc6: keys fc6.weight and fc7.weight both map to fc6.weight` });
  const none = await loadWeights(f, { map: 'none' });
  assert.ok(none.params.has('conv1.weight'));
});

test('input convention: defaults per source, overrides, parsing, one-line description', async () => {
  const caffe = await loadWeights(fixture('mini_sport1m.caffemodel'));
  assert.equal(describeConvention(caffe.convention!), 'input: BGR 0–255, minus mean cube (file not given: pass --mean FILE)');
  const over = await loadWeights(fixture('mini_sport1m.caffemodel'), { channels: 'rgb', mean: parseMean('104,117,123') });
  assert.equal(describeConvention(over.convention!), 'input: RGB 0–255, minus BGR mean 104,117,123');
  assert.deepEqual(parseMean('none'), 'none');
  assert.deepEqual(parseMean('sport1m_train16_128_mean.binaryproto'), { kind: 'cube', file: 'sport1m_train16_128_mean.binaryproto' });
  assert.throws(() => parseMean('1,2'), /--mean must be none, b,g,r or a .binaryproto file/);
});

test('key maps: presets chain (module. strip then rename), user rules win and are final, JSON map files', () => {
  const port = mapKeys('f', ['module.conv1.weight', 'module.conv3a.bias', 'module.fc8.weight'], KEYMAP_PRESETS.port);
  assert.deepEqual([...port.keys()], ['conv1a.weight', 'conv3a.bias', 'fc8.weight']);
  assert.equal(detectPreset(['module.conv1.weight', 'module.conv3a.weight']), 'port');
  assert.equal(detectPreset(['conv1.weight', 'conv5.weight']), 'none'); // search-family net, not the port
  assert.equal(detectPreset(['fc6-1.weight']), 'caffe');
  const rules = parseKeyMap('conv1=stem,fc8=');
  assert.ok(Array.isArray(rules));
  const user = mapKeys('f', ['conv1.weight', 'conv10.weight', 'fc8.bias'], [...rules, ...KEYMAP_PRESETS.port]);
  assert.deepEqual([...user], [['stem.weight', 'conv1.weight'], ['conv10.weight', 'conv10.weight']]);
  const { dir, cleanup } = tempDir();
  try {
    const json = join(dir, 'map.json');
    writeFileSync(json, JSON.stringify({ 'fc8-ucf101': 'fc8', junk: null }));
    const fromFile = parseKeyMap(json) as KeyRule[];
    assert.deepEqual([...mapKeys('f', ['fc8-ucf101.weight', 'junk.weight'], fromFile).keys()], ['fc8.weight']);
    writeFileSync(json, '[1, 2]');
    assert.throws(() => parseKeyMap(json), { message: `${json}: key map must be a JSON object of "old": "new" strings` });
  } finally {
    cleanup();
  }
});

test('bad input: every reader refuses a directory / a missing file; extensions are cross-checked with magic', async () => {
  const { dir, cleanup } = tempDir();
  try {
    for (const read of [readCaffemodel, readMeanCube, readTorchFile, readSafetensors, readCaffeFeatureFile]) {
      assert.throws(() => read(dir), (e: Error) => e instanceof WeightsError && e.message.startsWith(`${dir}: is a directory`), read.name);
      assert.throws(() => read(join(dir, 'missing')), { message: `${join(dir, 'missing')}: no such file` }, read.name);
    }
    const zipAsCaffe = join(dir, 'model.caffemodel');
    copyFileSync(fixture('port_mini.pt'), zipAsCaffe);
    await assert.rejects(loadWeights(zipAsCaffe), (e: Error) =>
      e.message.startsWith(`${zipAsCaffe}: wrong magic: a .caffemodel file should be caffemodel, but the first bytes (50 4b 03 04 `) &&
      e.message.endsWith(') are torch-zip'));
    const caffeAsSt = join(dir, 'model.safetensors');
    copyFileSync(fixture('mini_sport1m.caffemodel'), caffeAsSt);
    await assert.rejects(loadWeights(caffeAsSt), /model\.safetensors: wrong magic: a \.safetensors file should be safetensors, but the first bytes \(0a 0d 64 65 65 70 5f 63\) match no known format/);
  } finally {
    cleanup();
  }
});

test('corrupted files (seeded random byte flips and cuts) fail with a WeightsError naming the file, never another error', async () => {
  const { dir, cleanup } = tempDir();
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  try {
    const files = ['mini_sport1m.caffemodel', 'port_mini.pt', 'port_mini.pickle', 'odd_legacy.pt', 'ref.safetensors', 'odd_deflated.pt', 'port_mini.onnx'];
    let failures = 0;
    for (const name of files) {
      const good = readFileSync(fixture(name));
      for (let trial = 0; trial < 40; trial++) {
        const bad = Buffer.from(good.subarray(0, trial % 4 === 0 ? rand(good.length) : good.length));
        for (let k = 0; k < 1 + rand(4); k++) if (bad.length) bad[rand(bad.length)] = rand(256);
        const p = join(dir, `${trial}-${name}`);
        writeFileSync(p, bad);
        try {
          await loadWeights(p);
        } catch (e) {
          failures++;
          if (!(e instanceof WeightsError) || !e.message.startsWith(`${p}: `)) assert.fail(`${name} trial ${trial}: ${(e as Error).name}: ${(e as Error).message}`);
        }
      }
    }
    assert.ok(failures > 100, `only ${failures} of 280 corruptions were detected`);
  } finally {
    cleanup();
  }
});

test('a missing weights file says where weights come from, in one line', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const missing = join(dir, 'missing.safetensors');
    await assert.rejects(loadWeights(missing), (e: Error) => {
      assert.ok(e instanceof WeightsError);
      assert.ok(!e.message.includes('\n'), 'one line');
      assert.match(e.message, /missing\.safetensors: no such file: .*c3d convert.*docs\/weights\.md.*--weights demo/);
      return true;
    });
    // `demo` is the bundled net, not a missing file.
    assert.equal((await loadWeights('demo')).source, DEMO_WEIGHTS);
  } finally {
    cleanup();
  }
});

test('weights for another net: the mismatch is summarised on one short line (counts, first three, "… and N more")', () => {
  const c3d = getModel('c3d-sports1m');
  const depth3 = getModel('depth-3', { classes: 487 });
  // Shapes only: checkParams reads nothing else, so no 80M floats are allocated.
  const params = new Map([...paramShapes(c3d)].map(([k, s]) => [k, { shape: s } as unknown as Tensor]));
  assert.throws(() => checkParams(depth3, params), (e: Error) => {
    assert.ok(e instanceof WeightsMismatchError);
    assert.ok(e.message.length < 400, `${e.message.length} characters: ${e.message}`);
    assert.equal(
      e.message,
      'weights do not fit model depth-3 (classes 487): 10 missing, 5 wrong shape, 16 not in the model (it has 16 parameters) — ' +
        'fc6.weight: expected [2048, 4096], given [4096, 8192]; fc6.bias: expected [2048], given [4096]; ' +
        'fc7.weight: expected [2048, 2048], given [4096, 4096]; … and 28 more',
    );
    return true;
  });
  // One problem: just that problem.
  const one = new Map(params);
  one.delete('fc8.bias');
  assert.throws(() => checkParams(c3d, one, 'x.pt'), { message: 'x.pt do not fit model c3d-sports1m: fc8.bias: expected [487], missing' });
});
