/**
 * Scale-out extraction against a real redis-server: 3 `c3d worker` processes over generated videos
 * and a corrupt one, one worker SIGKILLed mid-job. Every good video is done exactly once with
 * outputs byte-identical to a local `c3d extract`, the corrupt one is in the failed set with its
 * error, nothing partial is left, enqueueing twice adds nothing, and `queue status --json` says so.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeVideo, tempDir } from '../video/make-videos.js';
import { C3dProcess, c3dSync, filesUnder, manifestOf, tinyWeights } from './helpers.js';
import { NO_REDIS, RedisServer } from './redis.js';

const GOOD = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];

test('3 workers, one SIGKILLed mid-job, a corrupt video: each good video once, outputs as a local run', { skip: NO_REDIS, timeout: 120_000 }, async () => {
  const root = tempDir('c3d-queue-');
  const videos = join(root, 'videos');
  mkdirSync(join(videos, 'sub'), { recursive: true });
  const sources = ['testsrc', 'mandelbrot', 'testsrc2', 'rgbtestsrc', 'smptebars', 'testsrc', 'mandelbrot'];
  for (const [i, id] of GOOD.entries()) {
    const path = join(videos, i % 2 ? 'sub' : '', `${id}.avi`);
    makeVideo(path, `${sources[i]}=size=${48 + 8 * i}x${36 + 4 * i}:rate=10`, 40 + 7 * i);
  }
  writeFileSync(join(videos, 'broken.avi'), 'not a video at all');
  const weights = await tinyWeights(join(root, 'tiny.safetensors'));
  // Batch 1: a clip's features then do not depend on which clips share its forward pass (a local run
  // of many videos batches clips of different videos together; a worker runs one video at a time).
  const common = ['--weights', weights, '--width', '0.0625', '--batch', '1'];

  const local = c3dSync('extract', videos, ...common, '--out', join(root, 'local'));
  assert.equal(local.code, 1, local.err);
  assert.match(local.out, /extracted 7 of 8 videos/);

  const redis = await RedisServer.start(root);
  const workers: C3dProcess[] = [];
  try {
    const url = redis.url(0);
    const out = join(root, 'out');
    const first = c3dSync('extract', videos, ...common, '--out', out, '--queue', url, '--no-wait');
    assert.equal(first.code, 0, first.err);
    assert.match(first.err, /queued 8 new jobs/);
    const again = c3dSync('extract', videos, ...common, '--out', out, '--queue', url, '--no-wait');
    assert.match(again.err, /queued 0 new jobs .*\(8 already there\)/, 'enqueueing the same run twice adds nothing');

    // Workers start after the (blocking) enqueue calls, so this process watches them from their first job.
    for (let i = 0; i < 3; i++) workers.push(new C3dProcess(['worker', '--queue', url]));
    // Kill the first worker that starts its second job: its net is loaded, it is extracting.
    const victim = await Promise.race(workers.map((w) => w.waitFor(/: started [^]*: started /).then(() => w)));
    const victimJob = victim.err.match(/c3d worker: (\S+): started/g)!.at(-1)!.split(' ')[2].replace(/:$/, '');
    victim.child.kill('SIGKILL');
    assert.equal(await victim.exited, 'SIGKILL');

    const waiting = new C3dProcess(['extract', videos, ...common, '--out', out, '--queue', url]);
    assert.equal(await waiting.exited, 1, waiting.err);
    assert.match(waiting.out, /extracted 7 of 8 videos on the queue \(0 already done, 1 failed\)/);
    assert.match(waiting.err, /failed: .*broken\.avi: /);

    // The killed worker's job was taken over by another worker.
    const survivors = workers.filter((w) => w !== victim);
    assert.ok(survivors.some((w) => w.err.includes(`${victimJob}: started`)), `job ${victimJob} taken over:\nvictim:\n${victim.err}\nsurvivors:\n${survivors.map((w) => w.err).join('\n')}`);

    for (const id of ['a', 'sub/b', 'c', 'sub/d', 'e', 'sub/f', 'g']) {
      assert.deepEqual(readFileSync(join(out, `${id}.npy`)), readFileSync(join(root, 'local', `${id}.npy`)), `${id}.npy as the local run's`);
    }
    const entries = manifestOf(join(out, 'manifest.jsonl'));
    for (const id of ['a', 'sub/b', 'c', 'sub/d', 'e', 'sub/f', 'g']) {
      const lines = entries.filter((e) => e.id === id);
      assert.equal(lines.length, 1, `${id}: one manifest line`);
      assert.equal(lines[0].status, 'done');
      assert.deepEqual(lines[0].outputs, [`${id}.npy`]);
    }
    const broken = entries.filter((e) => e.id === 'broken');
    assert.equal(broken.length, 1, 'the corrupt video is recorded once, after its last attempt');
    assert.equal(broken[0].status, 'failed');
    assert.match(broken[0].error!, /broken\.avi/);
    assert.deepEqual(filesUnder(out).filter((f) => f.includes('.tmp-')), [], 'no partial files');
    assert.deepEqual(filesUnder(out).filter((f) => f.endsWith('.npy')).sort(), filesUnder(join(root, 'local')).filter((f) => f.endsWith('.npy')).sort());

    const status = c3dSync('queue', 'status', '--queue', url, '--json');
    assert.equal(status.code, 0, status.err);
    const s = JSON.parse(status.out) as Record<string, unknown> & { failed_items: { video: string; error: string; attempts: number }[] };
    assert.equal(s.waiting, 0);
    assert.equal(s.active, 0);
    assert.equal(s.completed, 7, 'each good video completed exactly once');
    assert.equal(s.failed, 1);
    assert.equal(s.failed_items.length, 1);
    assert.equal(s.failed_items[0].video, join(videos, 'broken.avi'));
    assert.match(s.failed_items[0].error, /broken\.avi: /);
    assert.equal(s.failed_items[0].attempts, 3);
    const text = c3dSync('queue', 'status', '--queue', url);
    assert.match(text.out, /0 waiting, 0 active, 0 delayed \(retry\), 7 completed, 1 failed; 2 workers connected/);

    // SIGTERM: the workers finish and exit 0.
    for (const w of survivors) w.child.kill('SIGTERM');
    for (const w of survivors) assert.equal(await w.exited, 0, w.err);
    assert.ok(survivors.every((w) => /stopped/.test(w.err)));
  } finally {
    for (const w of workers) w.child.kill('SIGKILL');
    await redis.stop();
  }
});
