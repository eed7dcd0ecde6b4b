import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { c3d } from '../cli/run-cli.js';
import { makeVideo, tempDir } from '../video/make-videos.js';
import { readNpy } from '../../src/io/npy.js';

const dir = tempDir('c3d-quant-cli-');
const calib = makeVideo(join(dir, 'calib.avi'), 'testsrc=size=96x72:rate=25', 40);
const video = makeVideo(join(dir, 'clip.avi'), 'mandelbrot=size=96x72:rate=25', 32);
const model = join(dir, 'demo.int8.onnx');

/** Exactly one line on stderr, naming `what`. */
function oneLineError(r: { code: number; err: string }, what: RegExp): void {
  assert.notEqual(r.code, 0);
  const lines = r.err.trim().split('\n');
  assert.equal(lines.length, 1, r.err);
  assert.match(lines[0]!, what);
}

test('c3d quantize writes an .int8.onnx that c3d extract --weights runs as int8 (convention line, manifest), close to fp32', () => {
  const q = c3d('quantize', '--weights', 'demo', '--calibrate', calib, '--calibrate-clips', '4', '--out', model);
  assert.equal(q.code, 0, q.err);
  assert.match(q.out, /^wrote .*demo\.int8\.onnx: int8 \(5 convs int8, fp32: fc6, fc7, fc8; calibrated on 4 clips, min\/max\)/);
  assert.ok(existsSync(model));

  const out8 = join(dir, 'int8');
  const r = c3d('extract', video, '--weights', model, '--out', out8);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /int8 \(5 convs int8, .*\) from .*demo\.int8\.onnx/);
  const entry = JSON.parse(readFileSync(join(out8, 'manifest.jsonl'), 'utf8').trim().split('\n').at(-1)!);
  assert.equal(entry.status, 'done');
  assert.equal(entry.precision, 'int8');

  const out32 = join(dir, 'fp32');
  const f = c3d('extract', video, '--weights', 'demo', '--out', out32);
  assert.equal(f.code, 0, f.err);
  assert.doesNotMatch(f.err, /int8/);
  assert.equal(JSON.parse(readFileSync(join(out32, 'manifest.jsonl'), 'utf8').trim()).precision, undefined);
  const a = readNpy(join(out8, 'clip.npy')).data as Float32Array;
  const b = readNpy(join(out32, 'clip.npy')).data as Float32Array;
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!; // both L2-normalised
  assert.ok(dot > 0.99 && dot < 1, `descriptor cosine ${dot}`);

  // The int8 file is not fp32 weights.
  oneLineError(c3d('extract', video, '--weights', model, '--precision', 'fp32', '--out', join(dir, 'x')), /int8 model .*precision int8/);
  oneLineError(c3d('quantize', '--weights', model, '--calibrate', calib, '--out', join(dir, 'again.int8.onnx')), /already an int8 model/);
});

test('--precision int8 --calibrate-clips N calibrates on the job\'s own videos', () => {
  const out = join(dir, 'onthefly');
  const r = c3d('extract', video, '--weights', 'demo', '--precision', 'int8', '--calibrate-clips', '2', '--out', out);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /int8 calibrated now on 2 clips \(the first clips of 1 video\)/);
  assert.equal(JSON.parse(readFileSync(join(out, 'manifest.jsonl'), 'utf8').trim()).precision, 'int8');
});

test('int8 errors are one line: wasm backend, no calibration, no videos, zero clips, bad flags', () => {
  oneLineError(c3d('extract', video, '--weights', 'demo', '--precision', 'int8', '--calibrate-clips', '2', '--backend', 'wasm', '--out', join(dir, 'w')), /int8 runs on the onnxruntime backend only/);
  oneLineError(c3d('classify', video, '--weights', 'demo', '--precision', 'int8', '--backend', 'wasm'), /int8 runs on the onnxruntime backend only/);
  oneLineError(c3d('extract', video, '--weights', 'demo', '--precision', 'int8', '--out', join(dir, 'n')), /int8 needs calibration: an \.int8\.onnx written by `c3d quantize`/);
  oneLineError(c3d('extract', video, '--weights', 'demo', '--calibrate-clips', '2', '--out', join(dir, 'n')), /--calibrate-clips applies to --precision int8 only/);
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  oneLineError(c3d('quantize', '--weights', 'demo', '--calibrate', empty, '--out', join(dir, 'e.int8.onnx')), /--calibrate: .*empty/);
  oneLineError(c3d('quantize', '--weights', 'demo', '--out', join(dir, 'e.int8.onnx')), /--calibrate VIDEO\.\.\. is required/);
  const broken = join(dir, 'broken.avi');
  writeFileSync(broken, 'not a video');
  oneLineError(c3d('quantize', '--weights', 'demo', '--calibrate', broken, '--out', join(dir, 'b.int8.onnx')), /no calibration clips could be read from 1 video \(.*broken\.avi/);
  assert.ok(!existsSync(join(dir, 'b.int8.onnx')));
  oneLineError(c3d('quantize', '--weights', 'demo', '--calibrate', calib, '--keep-fp32', 'fc6', '--out', join(dir, 'k.int8.onnx')), /--keep-fp32 fc6: not a conv of/);
});
