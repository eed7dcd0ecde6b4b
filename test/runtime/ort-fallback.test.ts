/**
 * onnxruntime-node as an optional dependency, and execution-provider fallback, through the real CLI:
 * `--ep cuda,cpu` on a machine without onnxruntime's CUDA provider runs on the CPU after ONE warning
 * line; `--ep cuda` alone stops with one line saying how to install it; with onnxruntime-node made
 * unloadable (a module hook, as after an offline install that left it out) the default backend
 * falls back to wasm after one warning, and `--ep` is refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeVideo, tempDir } from '../video/make-videos.js';
import { c3dWithNode } from '../cli/run-cli.js';
import { CUDA_PROVIDER_HINT } from '../../src/runtime/ort.js';

/** A module hook that makes `import('onnxruntime-node')` fail as if the package were not installed. */
const NO_ORT = `data:text/javascript,${encodeURIComponent(`
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(
  `export async function resolve(spec, ctx, next) { if (spec === 'onnxruntime-node') { const e = new Error("Cannot find package 'onnxruntime-node'"); e.code = 'ERR_MODULE_NOT_FOUND'; throw e; } return next(spec, ctx); }`,
)}));`)}`;

const dir = tempDir('c3d-ort-fallback-');
const video = makeVideo(join(dir, 'clip.mp4'), 'testsrc=size=128x96:rate=25', 24, 'libx264', ['-pix_fmt', 'yuv420p']);

/** The CLI's result with its `c3d: warning:` lines picked out. */
function c3d(args: string[], nodeArgs: string[] = []) {
  const r = c3dWithNode(nodeArgs, ...args);
  return { code: r.code, stderr: r.err, warnings: r.err.split('\n').filter((l) => l.startsWith('c3d: warning:')) };
}

const descriptors = (out: string) => (existsSync(out) ? readdirSync(out, { recursive: true }).map(String).filter((f) => f.endsWith('.npy')) : []);

test('--ep cuda,cpu without the CUDA provider: one warning line, the run finishes on the CPU', () => {
  const out = join(dir, 'ep-fallback');
  const r = c3d(['extract', video, '--weights', 'demo', '--out', out, '--ep', 'cuda,cpu']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.warnings.length, 1, r.stderr);
  assert.match(r.warnings[0]!, /execution provider cuda unavailable .*running on cpu/);
  assert.ok(r.warnings[0]!.includes(CUDA_PROVIDER_HINT));
  assert.ok(!r.stderr.includes('provider_bridge_ort.cc'), 'onnxruntime\'s own multi-line error log is not shown');
  assert.equal(descriptors(out).length, 1);
});

test('--ep cuda alone: one error line saying how to install the provider or fall back', () => {
  const r = c3d(['extract', video, '--weights', 'demo', '--out', join(dir, 'ep-only'), '--ep', 'cuda']);
  assert.equal(r.code, 1);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /--onnxruntime-node-install=cuda12/);
  assert.match(lines[0]!, /--ep cuda,cpu/);
});

test('onnxruntime-node not installed: the default backend runs on wasm after one warning; --ep is refused', () => {
  const out = join(dir, 'no-ort');
  const r = c3d(['extract', video, '--weights', 'demo', '--out', out], ['--import', NO_ORT]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.warnings.length, 1, r.stderr);
  assert.match(r.warnings[0]!, /onnxruntime-node is not available .*ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node.*wasm backend/);
  assert.equal(descriptors(out).length, 1);

  const ep = c3d(['extract', video, '--weights', 'demo', '--out', join(dir, 'no-ort-ep'), '--ep', 'cuda,cpu'], ['--import', NO_ORT]);
  assert.equal(ep.code, 1);
  assert.match(ep.stderr, /onnxruntime-node is not available/);
});
