/**
 * `c3d visualize` as a user runs it: a checkpoint and preprocessed clips in, strips / GIFs / grids /
 * index.json / projections.npy out; Grad-CAM by class name; and the bad inputs users meet, each a
 * one-line error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { getModel } from '../../src/models/index.js';
import { syntheticClips, syntheticParams } from '../../src/nn/index.js';
import { saveSafetensors } from '../../src/io/weights.js';
import { readNpy, writeNpy } from '../../src/io/npy.js';
import { tempDir } from '../video/make-videos.js';

const root = tempDir('c3d-viz-cli-');
const MAIN = join(process.cwd(), 'dist', 'src', 'cli', 'main.js');
const spec = getModel('c3d-sports1m', { width: 1 / 32, length: 8, classes: 3 });
const weights = join(root, 'tiny.safetensors');
const clipsFile = join(root, 'clips.npy');
const clips = syntheticClips(spec, 5, 2);
writeNpy(clipsFile, { shape: [...clips.shape], data: clips.data });

function c3d(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, 'visualize', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test.before(async () => {
  await saveSafetensors(weights, {
    params: syntheticParams(spec, 2), spec: 'c3d-sports1m', specDef: spec, classes: ['jump', 'run', 'swim'],
    convention: { channels: 'bgr', mean: 'none' }, source: 'synthetic test weights',
  });
});

test('c3d visualize --clips: a strip, GIF and grid per map, index.json and projections.npy in the index order', () => {
  const out = join(root, 'out');
  const r = c3d('--clips', clipsFile, '--weights', weights, '--layer', 'conv2a', '--maps', '1,0', '--top', '2', '--out', out, '--save-npy', '--method', 'guided');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /4 projections of conv2a maps 1, 0 from 5 clips → .*out \(12 files, index\.json\)/);
  assert.match(r.stderr, /guided projections at conv2a \(4×8×56×56\)/);
  assert.deepEqual(readdirSync(out).sort(), [
    'conv2a_map0_01.gif', 'conv2a_map0_01.png', 'conv2a_map0_02.gif', 'conv2a_map0_02.png', 'conv2a_map0_grid.png',
    'conv2a_map1_01.gif', 'conv2a_map1_01.png', 'conv2a_map1_02.gif', 'conv2a_map1_02.png', 'conv2a_map1_grid.png',
    'index.json', 'projections.npy',
  ]);
  const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8'));
  assert.equal(index.method, 'guided');
  assert.deepEqual(index.rows.map((x: { map: number; rank: number; video: string; clipStart: null }) => [x.map, x.rank, x.video, x.clipStart]), [[1, 1, 'clips', null], [1, 2, 'clips', null], [0, 1, 'clips', null], [0, 2, 'clips', null]]);
  for (const row of index.rows) assert.ok(row.value > 0 && Number.isInteger(row.clipIndex) && row.position.t >= 0 && row.files.png && row.files.gif);
  const npy = readNpy(join(out, 'projections.npy'));
  assert.deepEqual(npy.shape, [4, 3, 8, 112, 112]);
  const png = PNG.sync.read(readFileSync(join(out, 'conv2a_map1_01.png')));
  assert.deepEqual([png.width, png.height], [8 * 112 + 9 * 2, 2 * 12 + 2 * 112 + 3 * 2]);
});

test('c3d visualize --method gradcam --class NAME explains that class', () => {
  const out = join(root, 'gc');
  const r = c3d('--clips', clipsFile, '--weights', weights, '--method', 'gradcam', '--class', 'swim', '--top', '2', '--out', out, '--no-gif');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Grad-CAM of class 2 \(swim\) for 2 clips from 5 clips/);
  assert.deepEqual(readdirSync(out).sort(), ['gradcam_01.png', 'gradcam_02.png', 'index.json']);
  const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8'));
  assert.equal(index.layer, 'conv5b', 'the last conv by default');
  assert.deepEqual(index.rows.map((x: { classIndex: number }) => x.classIndex), [2, 2]);
});

test('bad inputs: one line each, naming the problem', () => {
  const cases: [string[], number, RegExp][] = [
    [['--clips', clipsFile, '--weights', weights, '--layer', 'fc6', '--out', root], 2, /--layer: unknown layer 'fc6' \(conv and pool blobs of .*: conv1a, pool1, conv2a, pool2, conv3a, conv3b, pool3, conv4a, conv4b, pool4, conv5a, conv5b, pool5\)/],
    [['--clips', clipsFile, '--weights', weights, '--layer', 'conv1a', '--maps', '0,2', '--out', root], 2, /--maps: map 2 is out of range: conv1a has 2 feature maps \(0…1\)/],
    [['--clips', clipsFile, '--out', root], 2, /--weights FILE is required \(or --init caffe\|synthetic for random weights\)/],
    [['--clips', clipsFile, '--weights', join(root, 'missing.safetensors'), '--out', root], 1, /missing\.safetensors/],
    [['--clips', clipsFile, '--weights', weights, '--method', 'lrp', '--out', root], 2, /--method must be deconvnet, guided, gradient or gradcam, got 'lrp'/],
    [['--clips', clipsFile, '--weights', weights, '--maps', 'some', '--out', root], 2, /--maps must be a comma-separated list of map indices or top:N, got 'some'/],
    [['--clips', clipsFile, '--weights', weights, '--class', 'run', '--out', root], 2, /--class applies to --method gradcam only/],
    [['--clips', clipsFile, '--weights', weights, '--method', 'gradcam', '--class', 'fly', '--out', root], 2, /--class 'fly' is not a class of this net \(known: jump, run, swim\)/],
    [['--clips', weights, '--weights', weights, '--out', root], 1, /tiny\.safetensors/],
    [['--clips', clipsFile, '--weights', weights], 2, /--out DIR is required/],
    [['--weights', weights, '--out', root], 2, /no inputs/],
  ];
  const wrong = join(root, 'wrong.npy');
  writeNpy(wrong, { shape: [1, 3, 16, 112, 112], data: new Float32Array(3 * 16 * 112 * 112) });
  cases.push([['--clips', wrong, '--weights', weights, '--out', root], 1, /wrong\.npy: expected float32 clips of shape \(N, 3, 8, 112, 112\), got float32 \(1, 3, 16, 112, 112\)/]);
  for (const [args, status, re] of cases) {
    const r = c3d(...args);
    assert.equal(r.status, status, `${args.join(' ')}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.match(lines.at(-1)!, re, args.join(' '));
    assert.match(lines.at(-1)!, /^c3d visualize: /);
  }
});
