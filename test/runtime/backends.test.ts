import { test } from 'node:test';
import assert from 'node:assert/strict';
import { referenceKernels } from '../../src/kernels/reference/index.js';
import { Tensor } from '../../src/tensor/index.js';
import { getModel } from '../../src/models/index.js';
import { syntheticClips, syntheticParams } from '../../src/nn/index.js';
import { createBackend, createWasmBackend, parseBackendName, type BackendName } from '../../src/runtime/index.js';
import { expectClose, loadGolden } from '../models/golden.js';

for (const name of ['small-c3d', 'small-c3d-port', 'small-increasing']) {
  for (const backend of ['onnxruntime', 'wasm'] as BackendName[]) {
    test(`${name} on ${backend}: every blob matches PyTorch`, async () => {
      const g = loadGolden(name);
      const spec = getModel(g.model, g.options);
      const b = await createBackend({ backend, spec, params: syntheticParams(spec, g.seed), threads: 1 });
      try {
        assert.equal(b.name, backend);
        assert.deepEqual(b.inputShape, spec.input);
        const names = Object.keys(g.blobs);
        for (const n of names) assert.ok(b.outputNames.includes(n), `${backend} exposes ${n}`);
        const out = await b.run(syntheticClips(spec, g.batch, g.seed), names);
        for (const n of names) expectClose(out.get(n)!, g.blobs[n]!, `${name} ${backend} ${n}`);
      } finally {
        await b.dispose();
      }
    });
  }
}

for (const kernels of ['fast', 'reference'] as const) {
  test(`onnxruntime and wasm (${kernels} kernels) agree within 1e-4 relative on the same weights`, async () => {
    const spec = getModel('decreasing', { width: 1 / 32, size: 56, length: 8, classes: 11 });
    const params = syntheticParams(spec, 9);
    const clips = syntheticClips(spec, 3, 9);
    const outs = ['conv5', 'pool5', 'fc6', 'fc7', 'fc8', 'prob'];
    const a = await createBackend({ backend: 'onnxruntime', spec, params, threads: 1 });
    // microBatch 2 splits the batch of 3 into passes of 2 + 1 (outputs concatenated).
    const b = await createWasmBackend(spec, params, kernels === 'reference' ? { kernels: referenceKernels, microBatch: 2 } : { threads: 2 });
    try {
      assert.equal(b.kernelsName, kernels);
      const ra = await a.run(clips, outs);
      const rb = await b.run(clips, outs);
      for (const o of outs) {
        const x = ra.get(o)!;
        const y = rb.get(o)!;
        assert.deepEqual(x.shape, y.shape, o);
        const scale = y.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        for (let i = 0; i < x.size; i++) {
          assert.ok(Math.abs(x.data[i]! - y.data[i]!) <= 1e-4 * (Math.abs(y.data[i]!) + scale), `${o}[${i}]: ${x.data[i]} vs ${y.data[i]}`);
        }
      }
    } finally {
      await a.dispose();
      await b.dispose();
    }
  });
}

test('full C3D (batch 1, 80M synthetic weights) on onnxruntime matches PyTorch: fc6, fc7, fc8, prob, pool5, conv5b', async () => {
  const g = loadGolden('full-c3d');
  const spec = getModel(g.model, g.options);
  const b = await createBackend({ backend: 'onnxruntime', spec, params: syntheticParams(spec, g.seed) });
  try {
    const names = ['conv5b', 'pool5', 'fc6', 'fc7', 'fc8', 'prob'];
    const out = await b.run(syntheticClips(spec, 1, g.seed), names);
    for (const n of names) expectClose(out.get(n)!, g.blobs[n]!, `full C3D ${n}`);
  } finally {
    await b.dispose();
  }
});

test('bad input: unknown backend, weights that do not fit, wrong clip shape or length, unknown output, bad provider', async () => {
  assert.throws(() => parseBackendName('tfjs'), /unknown backend 'tfjs' \(known: onnxruntime, wasm\)/);
  const spec = getModel('depth-3', { width: 1 / 32, size: 28, length: 4, classes: 3 });
  const params = syntheticParams(spec, 1);
  const other = syntheticParams(getModel('depth-3', { width: 1 / 32, size: 56, length: 4, classes: 3 }), 1);
  for (const backend of ['onnxruntime', 'wasm'] as BackendName[]) {
    await assert.rejects(createBackend({ backend, spec, params: other }), /do not fit model depth-3.*fc6\.weight: expected \[64, 8\], given \[64, 32\]/);
    const b = await createBackend({ backend, spec, params, kernels: backend === 'wasm' ? referenceKernels : undefined });
    await assert.rejects(b.run(new Tensor([1, 3, 16, 28, 28]), ['fc6']), /input clips must be \(N, 3, 4, 28, 28\).*got \[1, 3, 16, 28, 28\] \(clip length 16 frames, the net takes 4\)/);
    await assert.rejects(b.run(new Tensor([1, 3, 4, 28, 29]), ['fc6']), /input clips must be/);
    await assert.rejects(b.run(syntheticClips(spec, 1), ['fc9']), /unknown output 'fc9'/);
    await b.dispose();
    await assert.rejects(b.run(syntheticClips(spec, 1), ['fc6']), /used after dispose/);
  }
  await assert.rejects(createBackend({ backend: 'onnxruntime', spec, params, executionProviders: ['no-such-provider'] }));
  await assert.rejects(createBackend({ backend: 'wasm', spec, params, executionProviders: ['cpu'] }), /onnxruntime backend only/);
});

test('execution providers pass through to onnxruntime', async () => {
  const spec = getModel('depth-1', { width: 1 / 32, size: 28, length: 4, classes: 3 });
  const b = await createBackend({ backend: 'onnxruntime', spec, params: syntheticParams(spec, 2), executionProviders: [{ name: 'cpu' }], threads: 1 });
  const out = await b.run(syntheticClips(spec, 2, 2), ['prob']);
  const p = out.get('prob')!;
  assert.deepEqual(p.shape, [2, 3]);
  for (let r = 0; r < 2; r++) assert.ok(Math.abs(p.data[3 * r]! + p.data[3 * r + 1]! + p.data[3 * r + 2]! - 1) < 1e-6);
  await b.dispose();
});
