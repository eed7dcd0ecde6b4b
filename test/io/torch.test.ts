import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadWeights, readTorchFile, WeightsError, writeTorchLegacy, writeTorchZip } from '../../src/io/index.js';
import { assertTensorEquals, expected, fixture, miniShapes, tempDir } from './fixtures.js';

/** The port names conv1/conv2; ours conv1a/conv2a. */
const PORT_TO_OURS: Record<string, string> = { conv1: 'conv1a', conv2: 'conv2a' };
const ours = (k: string): string => k.replace(/^(conv[12])\./, (_, l: string) => `${PORT_TO_OURS[l]}.`);

for (const [file, format] of [
  ['port_mini.pt', 'torch-zip'],
  ['port_mini.pickle', 'torch-legacy'],
  ['port_mini_v1.pickle', 'torch-legacy'], // pre-0.4 `_rebuild_tensor`, as in c3d.pickle's era
] as const) {
  test(`torch.save ${file} (${format}): port keys conv1…fc8 → our names, exact values`, async () => {
    const ws = await loadWeights(fixture(file), { expect: miniShapes() });
    assert.equal(ws.format, format);
    for (const [k, e] of Object.entries(expected.port_mini)) assertTensorEquals(ws.params.get(ours(k)), e, k);
    assert.equal(ws.convention?.channels, 'rgb');
    assert.equal(ws.convention?.mean, 'none');
    assert.equal(ws.spec, 'c3d-pytorch-port');
  });
}

test('MMAction2 checkpoint: state_dict picked out of meta/optimizer, backbone.*.conv / cls_head.fc_cls mapped', async () => {
  const contents = readTorchFile(fixture('mmaction_mini.pth'));
  assert.deepEqual(contents.otherKeys, ['meta', 'optimizer']);
  assert.ok(contents.tensors.has('backbone.conv1a.conv.weight'));
  const ws = await loadWeights(fixture('mmaction_mini.pth'), { expect: miniShapes() });
  for (const [k, e] of Object.entries(expected.port_mini)) assertTensorEquals(ws.params.get(ours(k)), e, k);
  assert.deepEqual(ws.convention?.mean, { kind: 'rgb', values: [104, 117, 128] });
});

for (const file of ['odd.pt', 'odd_legacy.pt', 'odd_deflated.pt']) {
  test(`${file}: float64/float16/bfloat16/int64 storages, transposed and offset views → float32`, () => {
    const { tensors } = readTorchFile(fixture(file));
    for (const [k, e] of Object.entries(expected.odd)) assertTensorEquals(tensors.get(k), e, k);
  });
}

test('hostile pickles (os.system / eval via __reduce__) are refused and nothing runs', () => {
  const marker = '/tmp/c3d-io-pwned';
  for (const [file, global] of [
    ['hostile_system.pt', 'posix.system'],
    ['hostile_eval.pt', '__builtin__.eval'],
    ['hostile_eval.pkl', '__builtin__.eval'],
  ]) {
    const f = fixture(file);
    assert.throws(() => readTorchFile(f), (e: Error) => {
      assert.ok(e instanceof WeightsError);
      assert.equal(e.message, `${f}: pickle: refused to load: it references ${global}, which is not on the allow-list of a weights file (nothing was executed)`);
      return true;
    });
  }
  assert.equal(existsSync(marker), false);
});

test('torch zip: truncated archive, wrong magic for .pt, missing storage', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const bytes = readFileSync(fixture('port_mini.pt'));
    const cut = join(dir, 'cut.pt');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 100));
    await assert.rejects(loadWeights(cut), { message: `${cut}: zip end-of-central-directory record not found (file truncated or not a zip)` });
    const bad = join(dir, 'bad.pt');
    writeFileSync(bad, Buffer.from('hello world, not a checkpoint'));
    await assert.rejects(loadWeights(bad), {
      message: `${bad}: wrong magic: a .pt file should be torch-zip or torch-legacy, but the first bytes (68 65 6c 6c 6f 20 77 6f) match no known format`,
    });
  } finally {
    cleanup();
  }
});

test('torch legacy: truncated storage data', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const bytes = readFileSync(fixture('port_mini.pickle'));
    for (const n of [20, bytes.length - 8]) {
      const cut = join(dir, `cut${n}.pickle`);
      writeFileSync(cut, bytes.subarray(0, n));
      await assert.rejects(loadWeights(cut), (e: Error) => e instanceof WeightsError && e.message.startsWith(`${cut}: `) && /truncated/.test(e.message));
    }
  } finally {
    cleanup();
  }
});

test('our torch writers (zip and legacy) read back exactly; torch.load reads them too (tools/fixtures/io.py --check-torch)', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const src = await loadWeights(fixture('mini_sport1m.caffemodel'));
    for (const [name, write] of [['ours.pt', writeTorchZip], ['ours.pickle', writeTorchLegacy]] as const) {
      const p = join(dir, name);
      write(p, src.params);
      const back = await loadWeights(p, { expect: miniShapes() });
      assert.equal(back.format, name.endsWith('.pt') ? 'torch-zip' : 'torch-legacy');
      for (const [k, e] of Object.entries(expected.mini_caffe)) assertTensorEquals(back.params.get(k), e, `${name} ${k}`);
    }
    // Zip entries are stored with their data 64-byte aligned, as torch writes them.
    const bytes = readFileSync(join(dir, 'ours.pt'));
    const at = bytes.indexOf(Buffer.from('archive/data/0'));
    const extraLen = bytes.readUInt16LE(at - 2);
    assert.equal((at + 'archive/data/0'.length + extraLen) % 64, 0);
  } finally {
    cleanup();
  }
});
