/**
 * `c3d extract` / `c3d classify` with bad inputs and in pipes, run as a user runs them with the bundled
 * demo net (`--weights demo`, small and fast): a truncated video is reported (manifest status, summary,
 * exit 3), a folder without videos and an --out that is a file fail before any weights are read,
 * progress lines appear in a pipe, manifest outputs are relative to the manifest, Ctrl-C is reported
 * once by the main process (no EPIPE stacks from the decode relays).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpy } from '../../src/io/npy.js';
import { makeVideo, tempDir } from '../video/make-videos.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const root = tempDir('c3d-extract-cli-');
const MISSING_WEIGHTS = join(root, 'no-such-weights.safetensors');

function c3d(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Entry {
  id: string;
  status: string;
  frames?: number;
  declaredFrames?: number;
  clips?: number;
  outputs?: string[];
  error?: string;
}

function manifest(path: string): Entry[] {
  return readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Entry);
}

/** `dir/cut.avi`: the first `keep` fraction of the bytes of an MPEG-4 AVI of `frames` frames. */
function truncatedAvi(dir: string, frames: number, keep: number): string {
  const whole = makeVideo(join(root, 'whole.avi'), 'testsrc=size=64x48:rate=25', frames, 'mpeg4', ['-q:v', '3']);
  const bytes = readFileSync(whole);
  const cut = join(dir, 'cut.avi');
  writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * keep)));
  return cut;
}

const videos = join(root, 'videos');
mkdirSync(videos);
const cut = truncatedAvi(videos, 200, 0.3);
const good = makeVideo(join(videos, 'good.mp4'), 'testsrc=size=64x48:rate=10', 30, 'libx264', ['-pix_fmt', 'yuv420p']);

test('a truncated video is marked truncated in the manifest and the summary, exit 3; a whole one is done', () => {
  const out = join(root, 'out-trunc');
  const r = c3d(['extract', videos, '--weights', 'demo', '--out', out]);
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stdout, /^extracted 2 of 2 videos \(0 already done, 1 truncated, 0 failed\)/);
  assert.match(r.stderr, /^truncated: .*cut\.avi: decoded \d+ of the 200 frames its header declares/m);
  const byId = new Map(manifest(join(out, 'manifest.jsonl')).map((e) => [e.id, e]));
  const t = byId.get('cut')!;
  assert.equal(t.status, 'truncated');
  assert.equal(t.declaredFrames, 200);
  assert.ok(t.frames! > 0 && t.frames! < 0.9 * 200, `decoded ${t.frames} frames`);
  assert.match(t.error!, /cut\.avi: decoded/);
  // Its descriptor is still written from the clips that exist.
  assert.deepEqual(t.outputs, ['cut.npy']);
  assert.equal(readNpy(join(out, 'cut.npy')).shape.length, 1);
  assert.equal(byId.get('good')!.status, 'done');
  assert.equal(byId.get('good')!.error, undefined);

  const classify = c3d(['classify', cut, good, '--weights', 'demo', '--json', '--top', '1']);
  assert.equal(classify.status, 3, classify.stderr);
  const lines = classify.stdout.trim().split('\n').map((l) => JSON.parse(l) as { status: string; top: unknown[] });
  assert.deepEqual(lines.map((l) => l.status), ['truncated', 'done']);
  assert.match(classify.stderr, /cut\.avi: decoded \d+ of the 200 frames/);
});

test('a folder without videos fails before the weights are read, naming the folder and the extensions', () => {
  const empty = join(root, 'empty');
  const textOnly = join(root, 'text-only');
  mkdirSync(empty);
  mkdirSync(textOnly);
  writeFileSync(join(textOnly, 'notes.txt'), 'no videos here');
  for (const dir of [empty, textOnly]) {
    for (const args of [['extract', dir, '--out', join(root, 'never')], ['classify', dir]]) {
      // The weights file does not exist: the error must still be about the folder.
      const r = c3d([...args, '--weights', MISSING_WEIGHTS]);
      assert.equal(r.status, 2, r.stderr);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], new RegExp(`^c3d ${args[0]}: .*${dir.split('/').at(-1)}: no videos in this folder \\(looked for \\.mp4, \\.avi, .*%06d\\.jpg frames\\)$`));
    }
  }
  assert.ok(!existsSync(join(root, 'never')), 'nothing written');
});

test('--out naming an existing file fails before the weights are read, in one line', () => {
  const file = join(root, 'a-file');
  writeFileSync(file, 'x');
  const r = c3d(['extract', good, '--weights', MISSING_WEIGHTS, '--out', file]);
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr.trim(), `c3d extract: --out ${file}: exists and is not a folder`);
});

test('in a pipe, progress lines (frames, frames/s, ETA) go to stderr; manifest outputs are relative to the manifest', () => {
  const out = join(root, 'out-pipe');
  const manifestPath = join(root, 'logs', 'run.jsonl');
  // C3D_PROGRESS_INTERVAL=0: a line at every step instead of every 30 s.
  const r = c3d(['extract', good, '--weights', 'demo', '--out', out, '--manifest', manifestPath, '--stride', '20'], { C3D_PROGRESS_INTERVAL: '0' });
  assert.equal(r.status, 0, r.stderr);
  const progress = r.stderr.split('\n').filter((l) => /^\d+% \| videos \d\/1 \| \d+ frames?, \d+ clips? \| [\d.]+ frames\/s, [\d.]+ clips\/s \| ETA /.test(l));
  assert.ok(progress.length > 0, r.stderr);
  assert.ok(!r.stderr.includes('\r'), 'no TTY redraws in a pipe');
  assert.match(r.stdout, /^extracted 1 of 1 video \(0 already done, 0 failed\): 30 frames, 1 clip in /);
  const [e] = manifest(manifestPath);
  assert.deepEqual(e.outputs, ['../out-pipe/good.npy']);
  assert.ok(statSync(resolve(dirname(manifestPath), e.outputs![0])).isFile());
});

test('Ctrl-C: the main process reports the interruption once and exits 130; the relays stay quiet', async () => {
  const dir = join(root, 'long');
  mkdirSync(dir);
  // Long enough that the run is still going when interrupted (thousands of frames, seconds of work).
  const long = makeVideo(join(dir, 'long.avi'), 'testsrc=size=96x72:rate=25', 3000, 'mpeg4');
  const child = spawn(process.execPath, [MAIN, 'extract', long, '--weights', 'demo', '--out', join(root, 'out-long')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, C3D_PROGRESS_INTERVAL: '0.2' },
  });
  let stderr = '';
  let interrupted = false;
  child.stdout!.resume();
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => {
    stderr += s;
    // Interrupt once frames are flowing (the decode relay and its ffmpeg are busy).
    if (!interrupted && /\| [1-9]\d* frames/.test(stderr)) {
      interrupted = true;
      child.kill('SIGINT');
    }
  });
  const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
  // The relays write to stderr too (inherited): give a stray stack a moment to arrive.
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(interrupted, `never saw progress: ${stderr}`);
  assert.equal(code, 130, stderr);
  assert.equal(stderr.match(/interrupted/g)?.length, 1, stderr);
  assert.match(stderr, /c3d extract: interrupted after 0 of 1 video; .*rerun the same command to resume/);
  assert.doesNotMatch(stderr, /EPIPE|Error:|at .*\.js:\d+/);
});
