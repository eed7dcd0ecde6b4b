/**
 * The page in real Chromium (playwright-core), from `?clips=`: the same preprocessed clips through a
 * small net give the Node CLI's `c3d extract --clips` features within 1e-4, on onnxruntime-web and on
 * our wasm kernels; a bad weights file is a visible one-line error and the page then still runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../eval/fixtures.js';
import { c3d } from '../cli/run-cli.js';
import { cliClipsReference, findChromium, launch, maxDiff, NO_CHROMIUM, pageResult, serve } from './browser.js';

const chromiumPath = findChromium();
if (!chromiumPath) console.log(`# test/web: skipped, ${NO_CHROMIUM}`);


test('page ?clips= equals c3d extract --clips (1e-4) on both backends; bad weights: visible error, page still usable', { skip: chromiumPath ? false : NO_CHROMIUM }, async () => {
  const { dir, cleanup } = tempDir();
  // The demo net (a small trained depth-3: 16-frame 56² clips) exported as users export theirs: its
  // features are O(1), so 1e-4 is a real tolerance (hash-initialised nets reach 10³, float32's ulp there).
  const onnx = join(dir, 'net.onnx');
  const exp = c3d('export-onnx', 'demo', onnx);
  assert.equal(exp.code, 0, exp.err);
  const n = 3;
  const { want, wantDescriptor } = cliClipsReference(dir, onnx, n);
  writeFileSync(join(dir, 'bad.onnx'), 'this is not an onnx model\n'.repeat(10));

  const s = await serve(dir);
  const browser = await launch(chromiumPath!);
  try {
    const page = await browser.newPage();
    for (const backend of ['onnxruntime', 'wasm']) {
      await page.goto(`${s.url}?clips=/files/clips.npy&weights=/files/net.onnx&layer=fc6&backend=${backend}`);
      const r = await pageResult(page);
      assert.equal(r.error, undefined);
      assert.equal(r.backend, backend);
      assert.equal(r.layer, 'fc6');
      assert.equal(r.clips, n);
      assert.deepEqual(want.shape, [n, r.perClip[0]!.length]);
      assert.ok(maxDiff(r.perClip.flat(), want.data) < 1e-4, `${backend}: per-clip max |diff| ${maxDiff(r.perClip.flat(), want.data)}`);
      assert.ok(maxDiff(r.descriptor, wantDescriptor) < 1e-4, `${backend}: descriptor max |diff|`);
      assert.equal(r.labels?.length, n, 'prob is an output: top-5 per clip');
    }

    await page.goto(`${s.url}?clips=/files/clips.npy&weights=/files/bad.onnx`);
    const bad = await pageResult(page);
    assert.match(bad.error ?? '', /^\/files\/bad\.onnx: not an ONNX model/);
    assert.equal(await page.locator('#error').isVisible(), true);
    assert.match(await page.locator('#error').innerText(), /bad\.onnx: not an ONNX model/);
    // Same page: pick good weights and run again.
    await page.locator('#weights-file').setInputFiles(onnx);
    await page.locator('#run').click();
    const again = await pageResult(page);
    assert.equal(again.error, undefined);
    assert.ok(maxDiff(again.perClip.flat(), want.data) < 1e-4);
    assert.equal(await page.locator('#error').isVisible(), false);
  } finally {
    await browser.close();
    await s.stop();
    cleanup();
  }
});
