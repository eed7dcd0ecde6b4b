/**
 * End to end through the command line: `c3d train` on a handful of generated videos whose class is
 * visible in every frame (a solid colour under heavy per-frame noise), then `c3d test` on other
 * videos of the same classes must be far above chance. Plus the bad inputs a user meets first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeVideo, tempDir } from '../video/make-videos.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const COLOURS = ['red', 'green', 'blue'];

function c3d(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d));
    p.stderr.on('data', (d: Buffer) => (stderr += d));
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** DIR/<colour>/<n>.mp4: `perClass` 12-frame noisy solid-colour videos per class. */
function colourVideos(dir: string, perClass: number, size: string): string {
  for (const c of COLOURS) {
    mkdirSync(join(dir, c), { recursive: true });
    for (let n = 0; n < perClass; n++) {
      makeVideo(join(dir, c, `${n}.mp4`), `color=c=${c}:s=${size}:r=25,noise=alls=60:allf=t+u:all_seed=${n + 7 * COLOURS.indexOf(c)}`, 12, 'libx264', ['-pix_fmt', 'yuv420p']);
    }
  }
  return dir;
}

const dir = tempDir('c3d-train-e2e-');
const trainDir = colourVideos(join(dir, 'train'), 4, '64x48');
const testDir = colourVideos(join(dir, 'test'), 3, '80x60');
const TINY = ['--model', 'depth-1', '--width', '0.0625', '--size', '28', '--length', '4'];

test('c3d train on generated videos, then c3d test on held-out videos: far above chance', async () => {
  const run = join(dir, 'run');
  const t = await c3d(['train', '--data', trainDir, ...TINY, '--out', run, '--iters', '30', '--batch', '6', '--optimizer', 'adam', '--lr', '0.003', '--lr-policy', 'fixed', '--init-scheme', 'pytorch', '--val', testDir, '--val-every', '5', '--log-every', '10']);
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stderr, /iter 30\/30 \| epoch 15\.00 \| loss /);
  assert.match(t.stderr, /input: BGR frames, minus BGR mean .* \(per-channel mean of the training frames\)/);
  for (const f of ['config.json', 'log.jsonl', 'final.safetensors', 'best.safetensors', 'curves.png', 'checkpoint-30.safetensors']) assert.ok(existsSync(join(run, f)), f);
  const log = readFileSync(join(run, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
  assert.ok(log.some((e) => e.val_video_top1 !== undefined), 'validation logged');
  assert.ok(log.filter((e) => e.loss !== undefined).every((e) => e.lr === 0.003 && e.clips_per_s > 0));

  const out = join(dir, 'test-out');
  const r = await c3d(['test', '--weights', join(run, 'final.safetensors'), '--data', testDir, '--json', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const rep = JSON.parse(r.stdout) as Record<string, number | string[]>;
  for (const k of ['clip_top1', 'clip_top5', 'video_top1', 'video_top5', 'mean_class_accuracy', 'videos', 'clips']) assert.ok(k in rep, k);
  assert.equal(rep.videos, 9);
  assert.equal(rep.clips, 9);
  assert.ok((rep.video_top1 as number) >= 0.88, `video top-1 ${rep.video_top1} (chance 0.33)`);
  assert.ok((rep.clip_top1 as number) >= 0.88, `clip top-1 ${rep.clip_top1}`);
  assert.deepEqual(rep.classes, ['blue', 'green', 'red']);
  for (const f of ['confusion.csv', 'confusion.png', 'predictions.jsonl', 'report.json']) assert.ok(existsSync(join(out, f)), f);
  const preds = readFileSync(join(out, 'predictions.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { clips: number; label_name: string });
  assert.equal(preds.length, 9);
  assert.ok(preds.every((p) => p.clips === 10 && COLOURS.includes(p.label_name)));

  // The trained weights work directly with classify (class names from the checkpoint) and extract.
  const cl = await c3d(['classify', join(testDir, 'green', '0.mp4'), '--weights', join(run, 'final.safetensors'), '--json']);
  assert.equal(cl.status, 0, cl.stderr);
  assert.match(cl.stdout, /"green"/);
  const feats = join(dir, 'features');
  const ex = await c3d(['extract', join(testDir, 'red'), '--weights', join(run, 'best.safetensors'), '--out', feats, '--backend', 'wasm']);
  assert.equal(ex.status, 0, ex.stderr);
  assert.ok(existsSync(join(feats, '0.npy')));
});

test('bad training inputs: all missing list entries at once, a corrupt video skipped and listed, a class with no videos', async () => {
  const list = join(dir, 'list.txt');
  writeFileSync(list, [`${join(trainDir, 'red', '0.mp4')} 0`, `${join(dir, 'nope1.mp4')} 1`, `${join(dir, 'nope2.avi')} 2`].join('\n') + '\n');
  const a = await c3d(['train', '--list', list, ...TINY, '--out', join(dir, 'bad1'), '--iters', '1']);
  assert.equal(a.status, 1);
  assert.match(a.stderr, /^c3d train: 2 of 3 listed videos are missing or unreadable: .*list\.txt:2 .*nope1\.mp4.*list\.txt:3 .*nope2\.avi/m);
  assert.equal(a.stderr.trim().split('\n').length, 1, a.stderr);

  const data = join(dir, 'with-corrupt');
  for (const c of COLOURS) {
    mkdirSync(join(data, c), { recursive: true });
    for (const n of [0, 1]) writeFileSync(join(data, c, `${n}.mp4`), readFileSync(join(trainDir, c, `${n}.mp4`)));
  }
  writeFileSync(join(data, 'red', 'broken.mp4'), 'this is not a video');
  const b = await c3d(['train', '--data', data, ...TINY, '--out', join(dir, 'bad2'), '--iters', '2', '--batch', '3']);
  assert.equal(b.status, 0, b.stderr);
  assert.match(b.stderr, /1 video skipped \(could not be decoded\):\n {4}.*broken\.mp4/);

  mkdirSync(join(data, 'purple'));
  const c = await c3d(['train', '--data', data, ...TINY, '--out', join(dir, 'bad3'), '--iters', '1']);
  assert.equal(c.status, 1);
  assert.match(c.stderr, /purple/);
  assert.ok(!existsSync(join(dir, 'bad3', 'final.safetensors')));

  const twoClasses = join(dir, 'two-classes');
  for (const col of ['green', 'red']) {
    mkdirSync(join(twoClasses, col), { recursive: true });
    writeFileSync(join(twoClasses, col, '0.mp4'), readFileSync(join(testDir, col, '0.mp4')));
  }
  const d = await c3d(['train', '--data', trainDir, ...TINY, '--out', join(dir, 'bad4'), '--iters', '1', '--val', twoClasses]);
  assert.equal(d.status, 1);
  assert.match(d.stderr, /class lists differ/);

  const e = await c3d(['train', '--data', trainDir, ...TINY, '--iters', '1']);
  assert.equal(e.status, 2);
  assert.match(e.stderr, /--out RUN is required/);
});
