/**
 * The queue's failure handling against a real redis-server: a worker whose weights file has another
 * hash than the job's refuses it (failed once, for good, no outputs), `queue drain --all` forgets
 * jobs; Redis restarted mid-run → the worker and the waiting `c3d extract` reconnect and finish.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeVideo, tempDir } from '../video/make-videos.js';
import { C3dProcess, c3dSync, manifestOf, tinyWeights } from './helpers.js';
import { NO_REDIS, RedisServer } from './redis.js';

const root = tempDir('c3d-queue-recovery-');
const videos = join(root, 'videos');
mkdirSync(videos, { recursive: true });
const IDS = ['v0', 'v1', 'v2', 'v3', 'v4'];
if (!NO_REDIS) for (const [i, id] of IDS.entries()) makeVideo(join(videos, `${id}.avi`), `testsrc=size=${40 + 8 * i}x30:rate=10`, 40 + 5 * i);

test('a worker whose weights differ from the job\'s refuses it; drain --all forgets the jobs', { skip: NO_REDIS, timeout: 60_000 }, async () => {
  const weights = await tinyWeights(join(root, 'w.safetensors'), 3);
  const redis = await RedisServer.start(root);
  let worker: C3dProcess | undefined;
  try {
    const url = redis.url(1);
    const out = join(root, 'out-mismatch');
    const q = c3dSync('extract', join(videos, 'v0.avi'), '--weights', weights, '--width', '0.0625', '--out', out, '--queue', url, '--no-wait');
    assert.equal(q.code, 0, q.err);
    await tinyWeights(weights, 4); // the file changes after the job was queued
    worker = new C3dProcess(['worker', '--queue', url]);
    await worker.waitFor(/v0: failed: /);
    const s = JSON.parse(c3dSync('queue', 'status', '--queue', url, '--json').out) as { failed: number; completed: number; failed_items: { video: string; error: string; attempts: number }[] };
    assert.equal(s.failed, 1);
    assert.equal(s.completed, 0);
    assert.equal(s.failed_items[0].video, join(videos, 'v0.avi'));
    assert.match(s.failed_items[0].error, /w\.safetensors: sha256 [0-9a-f]{12}… on this machine differs from the job's [0-9a-f]{12}…/);
    assert.equal(s.failed_items[0].attempts, 1, 'refused for good, not retried');
    assert.ok(!existsSync(join(out, 'v0.npy')), 'no features from other weights');
    assert.deepEqual(manifestOf(join(out, 'manifest.jsonl')).map((e) => e.status), ['failed']);

    const drained = c3dSync('queue', 'drain', '--queue', url, '--all', '--json');
    assert.equal(drained.code, 0, drained.err);
    assert.deepEqual(JSON.parse(drained.out), { removed: 1 });
    const after = JSON.parse(c3dSync('queue', 'status', '--queue', url, '--json').out) as { failed: number; failed_items: unknown[] };
    assert.equal(after.failed, 0);
    assert.deepEqual(after.failed_items, []);

    worker.child.kill('SIGTERM');
    assert.equal(await worker.exited, 0, worker.err);
  } finally {
    worker?.child.kill('SIGKILL');
    await redis.stop();
  }
});

test('Redis restarted mid-run: the worker and the waiting extract reconnect, the run completes', { skip: NO_REDIS, timeout: 90_000 }, async () => {
  const weights = await tinyWeights(join(root, 'w2.safetensors'), 5);
  const redis = await RedisServer.start(root);
  const workers: C3dProcess[] = [];
  try {
    const url = redis.url(0);
    const out = join(root, 'out-restart');
    const waiting = new C3dProcess(['extract', videos, '--weights', weights, '--width', '0.0625', '--out', out, '--queue', url]);
    await waiting.waitFor(/queued 5 new jobs/);
    workers.push(new C3dProcess(['worker', '--queue', url]));
    await workers[0].waitFor(/v\d: done/);
    const doneBefore = workers[0].err.match(/: done/g)!.length;
    assert.ok(doneBefore < 5, 'Redis goes away mid-run');
    await redis.restart(1000);
    assert.equal(await waiting.exited, 0, `${waiting.err}\nworker:\n${workers[0].err}`);
    // At least once: a job finished while Redis was away may run again; its outputs exist then, so
    // the second run is a cheap 'skipped' and the manifest still has one 'done' line per video.
    const m = waiting.out.match(/extracted (\d) of 5 videos on the queue \((\d) already done, 0 failed\)/);
    assert.ok(m && Number(m[1]) + Number(m[2]) === 5, waiting.out);
    for (const id of IDS) assert.ok(existsSync(join(out, `${id}.npy`)), `${id}.npy`);
    const entries = manifestOf(join(out, 'manifest.jsonl'));
    for (const id of IDS) assert.equal(entries.filter((e) => e.id === id && e.status === 'done').length, 1, `${id}: one 'done' line`);
    assert.ok(entries.every((e) => e.status === 'done' || e.status === 'skipped'));
    workers[0].child.kill('SIGTERM');
    assert.equal(await workers[0].exited, 0, workers[0].err);
  } finally {
    for (const w of workers) w.child.kill('SIGKILL');
    await redis.stop();
  }
});
