import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { saveSafetensors } from '../../src/io/index.js';
import { countParams, getModel, modelNames, parseNetSpec } from '../../src/models/index.js';
import { syntheticClips, syntheticParams } from '../../src/nn/index.js';
import { createBackend } from '../../src/runtime/index.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const c3d = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });

test('c3d models lists every spec with its parameters and MACs', () => {
  const r = c3d('models');
  assert.equal(r.status, 0, r.stderr);
  for (const name of modelNames) {
    const line = r.stdout.split('\n').find((l) => l.startsWith(name + ' '));
    assert.ok(line, `${name} listed`);
    assert.ok(line.includes(countParams(getModel(name)).toLocaleString('en-US')), line);
  }
  assert.match(r.stdout, /c3d-sports1m .* 79,991,015 +38,548,959,232 +77\.1/);
});

test('c3d models NAME --json prints a spec that parses back to the same spec', () => {
  const r = c3d('models', 'increasing', '--width', '0.5', '--classes', '7', '--json');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(parseNetSpec(r.stdout), getModel('increasing', { width: 0.5, classes: 7 }));
  const bad = c3d('models', 'c3d-sport1m');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^c3d models: unknown model 'c3d-sport1m' \(known: c3d-sports1m, /);
  assert.match(c3d('models', 'c3d-sports1m', '--classes=-1').stderr, /--classes must be a positive integer, got '-1'/);
});

test('c3d export-onnx: weights file → ONNX file that onnxruntime runs to the same outputs; mismatched weights are refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'c3d-export-'));
  try {
    const spec = getModel('depth-3', { width: 1 / 32, size: 28, length: 4, classes: 6 });
    const params = syntheticParams(spec, 4);
    const weights = join(dir, 'w.safetensors');
    await saveSafetensors(weights, { params, spec: 'depth-3', source: 'test' });
    const out = join(dir, 'm.onnx');
    const r = c3d('export-onnx', weights, out, '--width', '0.03125', '--size', '28', '--length', '4', '--outputs', 'pool5,fc6,prob');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /wrote .*m\.onnx: depth-3 \(classes 6, .*outputs pool5, fc6, prob/);

    const session = await ort.InferenceSession.create(readFileSync(out));
    assert.deepEqual(session.outputNames, ['pool5', 'fc6', 'prob']);
    const clips = syntheticClips(spec, 2, 4);
    const res = await session.run({ data: new ort.Tensor('float32', clips.data, [...clips.shape]) });
    const b = await createBackend({ backend: 'onnxruntime', spec, params });
    const ref = await b.run(clips, ['fc6']);
    assert.deepEqual(res.fc6!.data, ref.get('fc6')!.data);
    await b.dispose();
    await session.release();

    const wrong = c3d('export-onnx', weights, join(dir, 'x.onnx'), '--width', '0.0625', '--size', '28', '--length', '4');
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr, /do not fit model depth-3 .*conv1\.weight: expected \[4, 3, 3, 3, 3\], given \[2, 3, 3, 3, 3\]/);
    const noOut = c3d('export-onnx', weights, join(dir, 'x.txt'));
    assert.equal(noOut.status, 2);
    assert.match(noOut.stderr, /OUT must end in \.onnx/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
