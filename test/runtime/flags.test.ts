import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../src/cli/command.js';
import { backendFromFlags, modelOptionsFromFlags, specFromFlags } from '../../src/cli/flags/model-flags.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getModel, specToJson } from '../../src/models/index.js';

test('--backend / --threads / --ep parse into createBackend options; bad values are usage errors', () => {
  assert.deepEqual(backendFromFlags({}), { backend: 'onnxruntime' });
  assert.deepEqual(backendFromFlags({ backend: 'wasm', threads: '2' }), { backend: 'wasm', threads: 2 });
  assert.deepEqual(backendFromFlags({ ep: 'cuda, cpu' }), { backend: 'onnxruntime', executionProviders: ['cuda', 'cpu'] });
  const usage = (f: () => unknown, re: RegExp) => assert.throws(f, (e: Error) => e instanceof UsageError && re.test(e.message));
  usage(() => backendFromFlags({ backend: 'gpu' }), /unknown backend 'gpu' \(known: onnxruntime, wasm\)/);
  usage(() => backendFromFlags({ threads: '0' }), /--threads must be a positive integer, got '0'/);
  usage(() => backendFromFlags({ backend: 'wasm', ep: 'cpu' }), /--ep applies to --backend onnxruntime only/);
  usage(() => backendFromFlags({ ep: ',' }), /--ep needs at least one/);
});

test('--model and its options build the spec; the weights\' class count is the default head', () => {
  assert.deepEqual(specFromFlags({ model: 'net-64', classes: '51' }), getModel('net-64', { classes: 51 }));
  assert.deepEqual(specFromFlags({}, 'c3d-sports1m', 101), getModel('c3d-sports1m', { classes: 101 }));
  assert.deepEqual(modelOptionsFromFlags({ width: '0.5', size: '56', length: '8' }), { width: 0.5, size: 56, length: 8 });
  assert.throws(() => specFromFlags({ model: 'c3d' }), (e: Error) => e instanceof UsageError && /unknown model 'c3d'/.test(e.message));
  assert.throws(() => specFromFlags({ model: 'c3d-sports1m', classes: '0' }), /--classes must be a positive integer, got '0'/);
  assert.throws(() => specFromFlags({ model: 'c3d-sports1m', classes: '2.5' }), /--classes must be a positive integer/);
  assert.throws(() => specFromFlags({ model: 'c3d-sports1m', width: 'abc' }), /--width must be a positive number, got 'abc'/);
});

test('--spec FILE reads a JSON spec (as `c3d models NAME --json` writes it) and refuses option flags beside it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'c3d-spec-'));
  try {
    const spec = getModel('decreasing', { width: 0.25, classes: 9 });
    const path = join(dir, 'net.json');
    writeFileSync(path, specToJson(spec));
    assert.deepEqual(specFromFlags({ spec: path }), spec);
    assert.throws(() => specFromFlags({ spec: path, classes: '3' }), /--spec FILE fixes the whole net; drop --classes/);
    writeFileSync(path, '{"name": "x", "input": [3, 16, 112, 112], "layers": [{"type": "fc", "name": "fc6", "out": 0}], "outputs": []}');
    assert.throws(() => specFromFlags({ spec: path }), /net\.json: spec x: layer fc6: out must be an integer ≥ 1, got 0/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
