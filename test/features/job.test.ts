/** Batch jobs: output naming and layout, formats, manifest, resume, failures (test-double net). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BGR_NO_MEAN } from '../../src/features/convention.js';
import { expandInputs } from '../../src/features/inputs.js';
import { readNpy } from '../../src/io/npy.js';
import { runExtractJob, type ExtractJobOptions } from '../../src/features/job.js';
import { ffmpeg, makeVideo, tempDir } from '../video/make-videos.js';
import { ChannelMeanBackend } from './test-double-backend.js';

const root = tempDir('c3d-job-');
const videos = join(root, 'videos');
mkdirSync(join(videos, 'sub'), { recursive: true });
makeVideo(join(videos, 'a.avi'), 'testsrc=size=32x24:rate=10', 9);
makeVideo(join(videos, 'sub', 'b.mkv'), 'mandelbrot=size=32x24:rate=10', 5, 'ffv1');
makeVideo(join(videos, 'sub', 'c.avi'), 'color=c=green:size=16x16:rate=10', 2);

const CLIPS = { clipLength: 4, stride: 2 };

function options(outDir: string, extra: Partial<ExtractJobOptions> = {}): ExtractJobOptions {
  return { outDir, format: 'npy', mode: 'video', layers: ['fc6'], convention: BGR_NO_MEAN, clips: CLIPS, batchSize: 2, jobs: 2, ...extra };
}

function manifest(outDir: string): { id: string; status: string; clips?: number; error?: string }[] {
  return readFileSync(join(outDir, 'manifest.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}

test('expandInputs: folders recurse by extension and keep relative ids; globs; list files', () => {
  assert.deepEqual(expandInputs([videos]).map((v) => v.id), ['a', 'sub/b', 'sub/c']);
  assert.deepEqual(expandInputs([join(videos, 'sub', '*.avi')]).map((v) => v.id), ['c']);
  assert.deepEqual(expandInputs([join(videos, '**', '*.avi')]).map((v) => v.id), ['a', 'sub/c']);
  assert.deepEqual(expandInputs([join(videos, 'a.avi'), join(videos, 'sub', 'b.mkv')]).map((v) => v.id), ['a', 'b']);
  assert.throws(() => expandInputs([join(videos, '*.xyz')]), /no file matches/);
});

test('npy outputs mirror the input layout; rerun skips finished videos; --overwrite redoes them', async () => {
  const out = join(root, 'out-npy');
  const inputs = expandInputs([videos]);
  const s1 = await runExtractJob(inputs, new ChannelMeanBackend(4), options(out));
  assert.equal(s1.done, 3);
  assert.deepEqual(s1.failed, []);
  for (const id of ['a', 'sub/b', 'sub/c']) {
    const a = readNpy(join(out, `${id}.npy`));
    assert.deepEqual(a.shape, [4]);
    assert.equal(a.dtype, 'float32');
    const norm = Math.hypot(...Array.from(a.data));
    assert.ok(Math.abs(norm - 1) < 1e-5, `${id} descriptor is L2-normalised`);
  }
  assert.deepEqual(manifest(out).map((e) => [e.id, e.status, e.clips]).sort(), [['a', 'done', 3], ['sub/b', 'done', 1], ['sub/c', 'done', 1]]);

  const mtime = statSync(join(out, 'a.npy')).mtimeMs;
  const s2 = await runExtractJob(inputs, new ChannelMeanBackend(4), options(out));
  assert.equal(s2.skipped, 3);
  assert.equal(s2.done, 0);
  assert.equal(statSync(join(out, 'a.npy')).mtimeMs, mtime);

  // A temp file left by a killed writer (pid 2^22+1 is never a live process here) is cleaned up on the next run.
  const stale = join(out, 'a.npy.tmp-4194305-0');
  writeFileSync(stale, 'partial');
  const s3 = await runExtractJob(inputs, new ChannelMeanBackend(4), options(out, { overwrite: true }));
  assert.ok(!existsSync(stale));
  assert.equal(s3.done, 3);
  assert.ok(!readdirSync(out).some((n) => n.includes('.tmp-')), 'no temp files left');
});

test('per-clip and segment outputs, several layers at once', async () => {
  const out = join(root, 'out-clips');
  const inputs = expandInputs([join(videos, 'a.avi')]);
  await runExtractJob(inputs, new ChannelMeanBackend(4), options(out, { mode: 'clips', layers: ['fc6', 'prob'] }));
  assert.deepEqual(readNpy(join(out, 'a.fc6.npy')).shape, [3, 4]);
  assert.deepEqual(readNpy(join(out, 'a.prob.npy')).shape, [3, 3]);
  const seg = join(root, 'out-seg');
  await runExtractJob(inputs, new ChannelMeanBackend(4), options(seg, { mode: 'segments', segments: 32 }));
  assert.deepEqual(readNpy(join(seg, 'a.npy')).shape, [32, 4]);
  const txt = join(root, 'out-seg-txt');
  await runExtractJob(inputs, new ChannelMeanBackend(4), options(txt, { mode: 'segments', segments: 32, format: 'txt' }));
  const lines = readFileSync(join(txt, 'a.txt'), 'utf8').trimEnd().split('\n');
  assert.equal(lines.length, 32);
  const fromNpy = readNpy(join(seg, 'a.npy')).data;
  lines.forEach((l, r) => l.split(' ').map(Number).forEach((v, j) => assert.equal(Math.fround(v), fromNpy[r * 4 + j])));
});

test('a failing video is recorded in the manifest and summary; the others are written', async () => {
  const out = join(root, 'out-fail');
  const inputs = [...expandInputs([join(videos, 'a.avi')]), { path: join(videos, 'missing.avi'), id: 'missing' }];
  const s = await runExtractJob(inputs, new ChannelMeanBackend(4), options(out));
  assert.equal(s.done, 1);
  assert.equal(s.failed.length, 1);
  assert.match(s.failed[0].error, /missing\.avi: no such file/);
  const m = manifest(out).find((e) => e.id === 'missing')!;
  assert.equal(m.status, 'failed');
  assert.ok(!existsSync(join(out, 'missing.npy')));
});

test('JSON lines and HDF5 (ActivityNet layout: group per video, dataset c3d_features)', async () => {
  const inputs = expandInputs([videos]);
  const outJ = join(root, 'out-jsonl');
  const sj = await runExtractJob(inputs, new ChannelMeanBackend(4), options(outJ, { format: 'jsonl', mode: 'clips' }));
  const lines = readFileSync(sj.combined!, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; layer: string; shape: number[]; data: number[] });
  assert.deepEqual(lines.map((l) => [l.id, l.layer, l.shape]), [['a', 'fc6', [3, 4]], ['sub/b', 'fc6', [1, 4]], ['sub/c', 'fc6', [1, 4]]]);

  const outH = join(root, 'out-h5');
  const sh = await runExtractJob(inputs, new ChannelMeanBackend(4), options(outH, { format: 'hdf5', mode: 'clips' }));
  const h5wasm = (await import('h5wasm/node')).default;
  await h5wasm.ready;
  const f = new h5wasm.File(sh.combined!, 'r');
  const ds = f.get('a/c3d_features') as unknown as { shape: number[]; value: Float32Array };
  assert.deepEqual(ds.shape, [3, 4]);
  const fromNpy = readNpy(join(outH, '.c3d-parts', 'a.npy'));
  assert.deepEqual(Array.from(ds.value), Array.from(fromNpy.data));
  assert.ok(f.get('sub/b/c3d_features'));
  f.close();
});

test('an output that cannot be written fails that video only', async () => {
  const out = join(root, 'out-unwritable');
  mkdirSync(out, { recursive: true });
  // A file where the sub-folder should be: the outputs of sub/* cannot be written.
  writeFileSync(join(out, 'sub'), 'in the way');
  const s = await runExtractJob(expandInputs([videos]), new ChannelMeanBackend(4), options(out));
  assert.deepEqual(s.failed.map((f) => f.id).sort(), ['sub/b', 'sub/c']);
  assert.match(s.failed[0].error, /sub/);
  assert.equal(s.done, 1);
  assert.ok(existsSync(join(out, 'a.npy')));
});

test('a folder of %06d.jpg frames inside an input folder is one video', async () => {
  const base = join(root, 'framesets');
  mkdirSync(join(base, 'clipA'), { recursive: true });
  ffmpeg('-f', 'lavfi', '-i', 'testsrc=size=40x30:rate=10', '-frames:v', '6', '-start_number', '1', join(base, 'clipA', '%06d.jpg'));
  makeVideo(join(base, 'b.avi'), 'testsrc=size=32x24:rate=10', 4);
  const inputs = expandInputs([base]);
  assert.deepEqual(inputs.map((v) => v.id), ['b', 'clipA']);
  const out = join(root, 'out-frames');
  const s = await runExtractJob(inputs, new ChannelMeanBackend(4), options(out, { mode: 'clips' }));
  assert.equal(s.done, 2);
  assert.deepEqual(readNpy(join(out, 'clipA.npy')).shape, [2, 4]);
});
