/**
 * The runtime table (paper §7, Table 6): the stage pass extracts exactly what the pipelined job
 * writes and counts every frame and clip; the table's arithmetic; `c3d runtime` on generated videos
 * with two backends, and its bad inputs. Timings themselves are never asserted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getModel } from '../../src/models/index.js';
import { syntheticParams } from '../../src/nn/index.js';
import { createBackend } from '../../src/runtime/index.js';
import { BGR_NO_MEAN } from '../../src/features/convention.js';
import { findVideos } from '../../src/features/inputs.js';
import { readNpy } from '../../src/io/npy.js';
import { formatRuntimeTable, measureRuntime, measuredFps, PAPER_TABLE6, UCF101_FRAMES_FROM_TABLE6, type RuntimeMeasurement } from '../../src/features/runtime-table.js';
import { makeVideo, tempDir } from '../video/make-videos.js';

const root = tempDir('c3d-runtime-');
const videos = join(root, 'videos');
mkdirSync(videos);
makeVideo(join(videos, 'a.mp4'), 'testsrc2=size=80x60:rate=10', 30, 'libx264', ['-pix_fmt', 'yuv420p']);
makeVideo(join(videos, 'b.avi'), 'mandelbrot=size=64x48:rate=10', 10);
const MAIN = join(process.cwd(), 'dist', 'src', 'cli', 'main.js');
const spec = getModel('c3d-sports1m', { width: 1 / 16, classes: 5 });

test('measureRuntime: every frame and clip counted, stage pass and pipelined job write the same descriptors, a broken video is a failure', async () => {
  writeFileSync(join(root, 'broken.mp4'), 'not a video');
  const inputs = [...findVideos(videos), { path: join(root, 'broken.mp4'), id: 'broken' }];
  const backend = await createBackend({ backend: 'wasm', spec, params: syntheticParams(spec, 1), threads: 1 });
  const work = join(root, 'work');
  try {
    const m = await measureRuntime(inputs, backend, { convention: BGR_NO_MEAN, workDir: work, batchSize: 2, jobs: 1 });
    // a: 30 frames → clips at 0 and 8; b: 10 frames → one padded clip.
    assert.deepEqual([m.videos, m.frames, m.clips], [3, 40, 3]);
    assert.deepEqual(m.failed.map((f) => f.video), ['broken']);
    assert.match(m.failed[0]!.error, /broken\.mp4/);
    assert.match(m.backend, /^wasm \(1 thread\)$/);
    for (const s of Object.values(m.stages)) assert.ok(s >= 0);
    assert.ok(Math.abs(m.stagesTotal - (m.stages.decode + m.stages.resize + m.stages.forward + m.stages.write)) < 1e-9);
    assert.ok(m.pipelineSeconds! > 0);
    for (const id of ['a', 'b']) {
      const staged = readNpy(join(work, 'stages', `${id}.npy`));
      const piped = readNpy(join(work, 'pipeline', `${id}.npy`));
      assert.deepEqual(staged.shape, [256]);
      let diff = 0;
      for (let i = 0; i < 256; i++) diff = Math.max(diff, Math.abs(staged.data[i]! - piped.data[i]!));
      assert.ok(diff < 1e-6, `${id}: the stage pass and the job differ by ${diff}`);
    }
  } finally {
    await backend.dispose();
  }
});

test("the table: the paper's columns, × slower against the fastest row of all, the paper's rows as printed", () => {
  const m = (backend: string, frames: number, pipelineSeconds: number): RuntimeMeasurement => ({
    backend, videos: 2, frames, clips: 1, failed: [], stages: { decode: 1, resize: 2, forward: 3, write: 0.5 }, stagesTotal: 6.5, pipelineSeconds,
  });
  const fast = m('onnxruntime (2 threads)', 1000, 1); // 1000 fps: faster than the K40 row
  const slow = m('wasm (2 threads)', 1000, 4);
  assert.equal(measuredFps(slow), 250);
  assert.equal(measuredFps({ ...slow, pipelineSeconds: undefined }), 1000 / 6.5);
  const table = formatRuntimeTable([fast, slow]).split('\n');
  assert.equal(table.length, 2 + 2 + PAPER_TABLE6.length);
  assert.equal(table[2], `| C3D, onnxruntime (2 threads) | this machine | 2 | 1000 | 1.00 | 2.00 | 3.00 | 0.500 | 6.50 | 1.00 | ${(UCF101_FRAMES_FROM_TABLE6 / 1000 / 3600).toFixed(1)} | 1000.0 | 1.0 |`);
  assert.match(table[3]!, /\| 250\.0 \| 4\.0 \|$/);
  assert.equal(table.at(-1), '| C3D (paper) | K40 GPU (paper) | 13,320 | – | – | – | – | – | – | – | 2.2 | 313.9 | 1 (paper) |');
  assert.ok(table.some((l) => l.startsWith('| iDT (paper) | CPU (paper) |') && l.includes('| 3.5 | 91.4 (paper) |')));
});

function runtime(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, 'runtime', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('c3d runtime DIR --backends onnxruntime,wasm --json; bad inputs', () => {
  const net = ['--init', 'synthetic', '--model', 'c3d-sports1m', '--width', '0.0625', '--classes', '5'];
  const r = runtime(videos, ...net, '--backends', 'onnxruntime,wasm', '--threads', '1', '--json');
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(j.measurements.map((x: RuntimeMeasurement) => [x.backend, x.videos, x.frames, x.clips]), [['onnxruntime (1 thread)', 2, 40, 3], ['wasm (1 thread)', 2, 40, 3]]);
  for (const x of j.measurements) assert.ok(x.fps > 0 && x.pipelineSeconds > 0);
  assert.deepEqual(j.paper, PAPER_TABLE6);
  const t = runtime(videos, ...net, '--no-pipeline');
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stdout, /^\| method \| device \| videos \| frames \|/);
  assert.match(t.stdout, /\| C3D, onnxruntime .* \| this machine \| 2 \| 40 \| .* \| – \|/);
  assert.match(t.stdout, /\| C3D \(paper\) \| K40 GPU \(paper\) \|/);

  const bad: [string[], RegExp][] = [
    [[videos, ...net, '--backends', 'tpu'], /--backends: unknown backend 'tpu' \(known: onnxruntime, wasm\)/],
    [[join(root, 'work', 'stages'), ...net], /no videos found in/],
    [[videos], /--weights FILE is required/],
    [[videos, ...net, '--weights', 'x.safetensors'], /give --weights FILE or --init KIND, not both/],
  ];
  for (const [args, re] of bad) {
    const b = runtime(...args);
    assert.equal(b.status, 2, `${args.join(' ')}: ${b.stderr}`);
    assert.match(b.stderr.trim().split('\n').at(-1)!, re);
  }
});
