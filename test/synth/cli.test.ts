/** `c3d synth` through the real CLI: the class list, a small run, and one-line errors with exit codes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SYNTH_CLASSES } from '../../src/synth/index.js';
import { readUcf101Dataset } from '../../src/data/index.js';
import { tempDir } from '../video/make-videos.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const c3d = (...args: string[]) => {
  const r = spawnSync(process.execPath, [MAIN, 'synth', ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

test('c3d synth --list-classes prints every class with a description, then the sets', () => {
  const r = c3d('--list-classes');
  assert.equal(r.code, 0);
  assert.equal(r.err, '');
  const lines = r.out.trimEnd().split('\n');
  assert.equal(lines.length, SYNTH_CLASSES.length + 2 + 4);
  SYNTH_CLASSES.forEach((c, i) => assert.match(lines[i]!, new RegExp(`^${c.name} +${c.description.replace(/[()^×÷±.]/g, '\\$&')}$`)));
  assert.match(r.out, /\n {2}reversal +only time-reversal pairs.*: MoveLeftFast, MoveRightFast, RotateClockwise, RotateCounterclockwise, ZoomIn, ZoomOut, Diverge, Converge\n/);
  assert.match(c3d('--help').out, /^usage: c3d synth OUT/);
});

test('c3d synth OUT --classes basic: writes a UCF101-style set, reports it, and a rerun keeps it', () => {
  const out = join(tempDir('c3d-synth-cli-'), 'set');
  const args = [out, '--classes', 'basic', '--videos', '2', '--frames', '6', '--size', '48x32', '--seed', '3', '--jobs', '2'];
  const r = c3d(...args);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /^c3d synth: 6 classes × 2 videos, 6 frames of 48x32 at 25 fps, seed 3, 2 jobs → .*set\n/);
  assert.match(r.err, /\nvideos 12\/12\n$/);
  assert.match(r.out, /^wrote 12 videos in \d+\.\d s \(\d+ videos\/min\): 6 classes, 6 train \/ 6 test videos in .*set \(classInd\.txt, trainlist01\.txt, testlist01\.txt; train with --ucf101 .*set --split 1\)\n$/);
  assert.deepEqual(readUcf101Dataset(out, 1, 'train').classes, ['MoveLeftFast', 'MoveRightFast', 'MoveUpFast', 'MoveDownFast', 'ZoomIn', 'ZoomOut']);
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'synth.json'), 'utf8')).seed, 3);
  const again = c3d(...args);
  assert.equal(again.code, 0, again.err);
  assert.match(again.out, /^wrote 0 videos, kept 12 already there in /);
  const other = c3d(...args.slice(0, -4), '--seed', '4');
  assert.equal(other.code, 1);
  assert.equal(other.err.split('\n').length, 3, 'header line and one error line');
  assert.match(other.err, /\nc3d synth: .*synth\.json: this folder holds videos made with seed 3, not seed 4; use the same options to extend it, or another folder\n$/);
});

test('c3d synth: bad flags are one-line usage errors (exit 2); OUT being a file is exit 1', () => {
  const dir = tempDir('c3d-synth-cli-');
  const usage: [string[], RegExp][] = [
    [[], /^c3d synth: give the output folder OUT\n$/],
    [[dir, 'b'], /^c3d synth: expected one output folder, got 2: /],
    [[dir, '--classes', 'ZoomIn,Twirl'], /^c3d synth: --classes: unknown class 'Twirl'; known classes: MoveRightSlow, MoveLeftSlow, .*, Converge; sets: all, basic, reversal, translation\n$/],
    [[dir, '--size', '171'], /^c3d synth: --size must be WIDTHxHEIGHT \(e\.g\. 171x128\), got '171'\n$/],
    [[dir, '--size', '8x8'], /^c3d synth: --size: width and height must be in \[16, 4096\], got '8x8'\n$/],
    [[dir, '--videos', '0'], /^c3d synth: --videos must be a positive integer, got '0'\n$/],
    [[dir, '--frames', '1'], /^c3d synth: --frames must be an integer ≥ 2, got '1'\n$/],
    [[dir, '--test-fraction', '1.5'], /^c3d synth: --test-fraction must be a number in \[0, 1\), got '1\.5'\n$/],
    [[dir, '--seed', '1.5'], /^c3d synth: --seed must be an integer in \[0, 4294967295\], got '1\.5'\n$/],
    [[dir, '--videos', '1'], /^c3d synth: --videos 1 leaves no video for train or test; give --videos 2 or more, or --test-fraction 0\n$/],
    [[dir, '--bogus'], /^c3d synth: Unknown option '--bogus'/],
  ];
  for (const [args, re] of usage) {
    const r = c3d(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, re);
    assert.equal(r.err.trimEnd().split('\n').length, 1, r.err);
  }
  assert.deepEqual(readdirSync(dir), [], 'usage errors write nothing');
  const file = join(dir, 'f');
  writeFileSync(file, '');
  const r = c3d(file, '--videos', '2');
  assert.equal(r.code, 1);
  assert.match(r.err, new RegExp(`\\nc3d synth: ${file}: is a file, not a folder\\n$`));
});
