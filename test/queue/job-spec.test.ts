/** Job payloads and ids (no Redis): the same run hashes to the same ids, any option change to others. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkJobSpec, jobIdOf, sha256File, type ExtractJobSpec } from '../../src/features/queue/job-spec.js';
import { checkQueueUrl, QueueUrlError } from '../../src/features/queue/connection.js';
import { tempDir } from '../video/make-videos.js';

const spec: ExtractJobSpec = {
  v: 1, video: '/data/v/a.avi', id: 'a', weights: { path: '/data/w.safetensors', sha256: 'ab'.repeat(32) },
  outDir: '/data/out', manifest: '/data/out/manifest.jsonl', format: 'npy', mode: 'video', layers: ['fc6'], stride: 8, batchSize: 4,
};

test('job ids: stable for the same payload (key order and absent options aside), different for any change', () => {
  const id = jobIdOf(spec);
  assert.match(id, /^[0-9a-f]{64}$/);
  const reordered = Object.fromEntries(Object.entries(spec).reverse()) as unknown as ExtractJobSpec;
  assert.equal(jobIdOf(reordered), id);
  assert.equal(jobIdOf({ ...spec, fps: undefined }), id);
  for (const change of [{ video: '/data/v/b.avi' }, { layers: ['fc7'] }, { stride: 16 }, { outDir: '/data/out2' }, { weights: { ...spec.weights, sha256: 'cd'.repeat(32) } }]) {
    assert.notEqual(jobIdOf({ ...spec, ...change }), id, JSON.stringify(change));
  }
});

test('payload check and queue URLs: one-line errors', async () => {
  assert.equal(checkJobSpec(spec), spec);
  assert.throws(() => checkJobSpec({ ...spec, v: 2 }), /payload version 2 is not one this worker knows/);
  assert.throws(() => checkJobSpec({ ...spec, layers: [] }), /no 'layers'/);
  assert.equal(checkQueueUrl('redis://10.0.0.5:6379/2'), 'redis://10.0.0.5:6379/2');
  assert.throws(() => checkQueueUrl('http://x:1/0'), QueueUrlError);
  assert.throws(() => checkQueueUrl('redis://x:1/abc'), /database .* must be a number/);
  const f = join(tempDir('c3d-jobspec-'), 'w.bin');
  writeFileSync(f, 'abc');
  assert.equal(await sha256File(f), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});
