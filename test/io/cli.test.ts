import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectFormat, loadWeights, paramCount, saveSafetensors } from '../../src/io/index.js';
import { readNpy } from '../../src/io/npy.js';
import { getModel, paramShapes } from '../../src/models/index.js';
import { Tensor } from '../../src/tensor/index.js';
import { convert } from '../../src/cli/commands/convert.js';
import { inspect } from '../../src/cli/commands/inspect.js';
import { UsageError } from '../../src/cli/command.js';
import { assertTensorEquals, expected, fixture, miniShapes, tempDir } from './fixtures.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
/** The real CLI in a child process: exit code and the exact stderr line. */
const c3dProcess = (...args: string[]) => {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
/** The command in-process (spawning the whole CLI costs ~1 s per call on a loaded 2-core box). */
const c3d = async (name: 'convert' | 'inspect', ...args: string[]) => {
  const cmd = name === 'convert' ? convert : inspect;
  let out = '';
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string) => ((out += chunk), true)) as typeof process.stdout.write;
  try {
    const code = await cmd.run(args);
    return { code, out, err: '' };
  } catch (e) {
    return { code: e instanceof UsageError ? 2 : 1, out, err: `c3d ${name}: ${(e as Error).message}\n` };
  } finally {
    process.stdout.write = write;
  }
};

test('c3d convert: caffemodel → safetensors → caffemodel, with the mean cube embedded', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const st = join(dir, 'mini.safetensors');
    const r = await c3d('convert', fixture('mini_sport1m.caffemodel'), st, '--model', 'none', '--mean', fixture('mean_crop.binaryproto'));
    assert.equal(r.err, '');
    assert.equal(r.code, 0);
    assert.match(r.out, /^wrote .*mini\.safetensors: 22 tensors, 3,511 parameters; input: BGR 0–255, minus mean cube .*mean_crop\.binaryproto\n$/);
    const ws = await loadWeights(st, { expect: miniShapes() });
    const mean = ws.convention?.mean;
    assert.ok(mean !== undefined && mean !== 'none' && mean.kind === 'cube');
    assertTensorEquals(mean.data, expected.mean_crop, 'embedded mean');
    const back = join(dir, 'back.caffemodel');
    assert.equal((await c3d('convert', st, back, '--model', 'none')).code, 0);
    const again = await loadWeights(back, { expect: miniShapes() });
    for (const [k, e] of Object.entries(expected.mini_caffe)) assertTensorEquals(again.params.get(k), e, k);
    assert.deepEqual(readdirSync(dir).sort(), ['back.caffemodel', 'mini.safetensors']);
  } finally {
    cleanup();
  }
});

test('c3d convert: errors are one line naming the file (and layer), exit 1; nothing written', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const out = join(dir, 'x.safetensors');
    const spec = c3dProcess('convert', fixture('port_mini.pickle'), out);
    assert.equal(spec.code, 1);
    assert.equal(
      spec.err,
      `c3d convert: ${fixture('port_mini.pickle')}: layer conv1a: conv1a.weight has shape [4, 3, 3, 3, 3], the spec expects [64, 3, 3, 3, 3] (and 20 more problems)\n`,
    );
    const hostile = c3dProcess('convert', fixture('hostile_system.pt'), out);
    assert.equal(hostile.code, 1);
    assert.match(hostile.err, /^c3d convert: .*hostile_system\.pt: pickle: refused to load: it references posix\.system/);
    assert.equal(hostile.err.split('\n').length, 2);
    const bad = await c3d('convert', fixture('bad_blob_size.caffemodel'), out);
    assert.match(bad.err, /layer conv2a: blob shape \(4×4×3×2×3\) = 288 values but the blob holds 432 floats\n$/);
    const usage = c3dProcess('convert', fixture('port_mini.pt'), join(dir, 'x.h5'));
    assert.equal(usage.code, 2);
    assert.equal(existsSync(out), false);
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    cleanup();
  }
});

test('c3d inspect: layers, mapping, shapes, dtypes, parameter count', async () => {
  const r = await c3d('inspect', fixture('mmaction_mini.pth'));
  assert.equal(r.code, 0);
  const lines = r.out.trim().split('\n');
  assert.match(lines[0], /mmaction_mini\.pth: torch-zip$/);
  assert.equal(lines[1], 'key map: mmaction; spec c3d-pytorch-port');
  assert.ok(lines.includes('  cls_head.fc_cls.weight      → fc8.weight  [5, 6]  as float32  30'), lines.join('\n'));
  assert.equal(lines.at(-1), '22 tensors, 3,511 parameters');
  const st = await c3d('inspect', fixture('ref.safetensors'));
  assert.equal(st.err, '');
  assert.match(st.out, /extra\.i64 +\[1, 2\] +I64 +2\n/);
  const mean = await c3d('inspect', fixture('mean_crop.binaryproto'));
  assert.match(mean.out, /mean blob 1×3×2×4×5, per-channel means/);
  const caffe = await c3d('inspect', fixture('mini_ucf101.caffemodel'));
  assert.match(caffe.out, /\n {2}fc8 +INNER_PRODUCT +1×1×1×5×6 {2}1×1×1×1×5\n/);
});

test('c3d convert: a checkpoint records its full spec; ONNX export uses it; bad --model is a usage error', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const spec = getModel('depth-3', { width: 1 / 32, size: 32, classes: 5 });
    const params = new Map([...paramShapes(spec)].map(([k, s]) => [k, Tensor.from(s, Array.from({ length: s.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i)))]));
    const st = join(dir, 'tiny.safetensors');
    await saveSafetensors(st, { params, specDef: spec, source: 'test', convention: { channels: 'rgb', mean: 'none' } });
    const loaded = await loadWeights(st);
    assert.deepEqual(loaded.specDef, spec);
    assert.equal(loaded.spec, undefined); // no registry name given: the full spec travels instead
    const onnx = join(dir, 'tiny.onnx');
    const r = await c3d('convert', st, onnx);
    assert.equal(r.err, '');
    assert.match(r.out, /wrote .*tiny\.onnx: 16 tensors, 9,789 parameters, spec depth-3 \(classes 5, width 0\.03125, size 32\); input: RGB 0–255, no mean\n$/);
    assert.ok(readFileSync(onnx).length > paramCount(params) * 4);
    // The .onnx records spec and convention: converting it back gives the same checkpoint.
    const again = join(dir, 'again.safetensors');
    assert.equal((await c3d('convert', onnx, again)).code, 0);
    const back = await loadWeights(again);
    assert.deepEqual(back.specDef, spec);
    assert.deepEqual([back.convention?.channels, back.convention?.mean], ['rgb', 'none']);
    for (const [k, t] of params) assert.deepEqual(back.params.get(k)?.data, t.data, k);
    const bad = await c3d('convert', st, join(dir, 'x.safetensors'), '--model', 'resnet');
    assert.equal(bad.code, 2);
    assert.match(bad.err, /^c3d convert: unknown model 'resnet' \(known: c3d-sports1m, /);
    // A checkpoint whose tensors disagree with its own recorded spec does not load.
    params.set('fc8.weight', Tensor.zeros([5, 3]));
    const broken = join(dir, 'broken.safetensors');
    await saveSafetensors(broken, { params, specDef: spec, source: 'test' });
    await assert.rejects(loadWeights(broken), { message: `${broken}: layer fc8: fc8.weight has shape [5, 3], the spec expects [5, 64]` });
  } finally {
    cleanup();
  }
});

test('the release feature blob files: inspect prints stats; convert writes n × dim .npy for comparison', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const f = fixture('000016.fc6-1');
    assert.equal(detectFormat(f), 'caffe-feature');
    const r = await c3d('inspect', f);
    assert.match(r.out, /: caffe-feature\nC3D feature blob 1×6×1×1×1: min 0, max 0\.29874554\d*, mean [\d.]+, L2 norm [\d.]+\n$/);
    const out = join(dir, 'clip.npy');
    assert.equal((await c3d('convert', f, out)).out, `wrote ${out}: float32 1×6 (from 1×6×1×1×1)\n`);
    const npy = readNpy(out);
    assert.deepEqual(npy.shape, [1, 6]);
    assertTensorEquals(Tensor.from([1, 6, 1, 1, 1], npy.data as Float32Array), expected.feature_blob, 'npy');
    assert.equal((await c3d('convert', fixture('port_mini.pt'), join(dir, 'x.npy'))).code, 2);
    await assert.rejects(loadWeights(f), { message: `${f}: is a C3D feature blob (extract_image_features output), not weights` });
  } finally {
    cleanup();
  }
});
