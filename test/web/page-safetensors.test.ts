/**
 * .safetensors weights in the page (real Chromium): the demo checkpoint by URL and by the file picker
 * gives `c3d extract --clips`'s features within 1e-4 on onnxruntime-web (graph built in the page) and on
 * our kernels; a corrupt file or one without a spec is a visible one-line error and the page stays
 * usable; backend=webgpu without a WebGPU adapter (headless Chromium here) falls back to wasm with a note.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../eval/fixtures.js';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { DEMO_WEIGHTS } from '../../src/io/weights.js';
import { cliClipsReference, findChromium, launch, maxDiff, NO_CHROMIUM, pageResult, serve } from './browser.js';

const chromiumPath = findChromium();
if (!chromiumPath) console.log(`# test/web: skipped, ${NO_CHROMIUM}`);


test('page with .safetensors weights equals c3d extract --clips (1e-4); bad files: visible one-line errors; webgpu fallback note', { skip: chromiumPath ? false : NO_CHROMIUM }, async () => {
  const { dir, cleanup } = tempDir();
  const demo = join(dir, 'demo.safetensors');
  copyFileSync(DEMO_WEIGHTS, demo);
  const n = 2;
  const { want, wantDescriptor } = cliClipsReference(dir, demo, n);
  const demoClasses = JSON.parse(readSafetensors(demo).metadata['c3d.classes']!) as string[];
  // A truncated checkpoint, and one without its spec (a bare state dict, as other tools write).
  const raw = readFileSync(demo);
  writeFileSync(join(dir, 'cut.safetensors'), raw.subarray(0, raw.length - 100));
  writeSafetensors(join(dir, 'nospec.safetensors'), readSafetensors(demo).tensors, { format: 'pt' });

  const s = await serve(dir);
  const browser = await launch(chromiumPath!);
  try {
    const page = await browser.newPage();
    const check = (r: Awaited<ReturnType<typeof pageResult>>, what: string) => {
      assert.equal(r.error, undefined, what);
      assert.equal(r.clips, n, what);
      assert.ok(maxDiff(r.perClip.flat(), want.data) < 1e-4, `${what}: per-clip max |diff| ${maxDiff(r.perClip.flat(), want.data)}`);
      assert.ok(maxDiff(r.descriptor, wantDescriptor) < 1e-4, `${what}: descriptor max |diff| ${maxDiff(r.descriptor, wantDescriptor)}`);
    };
    for (const backend of ['onnxruntime', 'wasm']) {
      await page.goto(`${s.url}?clips=/files/clips.npy&weights=/files/demo.safetensors&layer=fc6&backend=${backend}`);
      const r = await pageResult(page);
      check(r, backend);
      assert.equal(r.backend, backend);
      assert.equal(r.labels?.length, n);
      assert.ok(demoClasses.includes(r.labels![0]!.top[0]!.label), 'labelled with the checkpoint\'s own class names');
    }

    // backend=webgpu: WebGPU when the browser has an adapter, else onnxruntime-web on wasm with a visible note.
    const hasAdapter = await page.evaluate(async () => {
      const gpu = (navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
      return !!(gpu && (await gpu.requestAdapter().catch(() => null)));
    });
    await page.goto(`${s.url}?clips=/files/clips.npy&weights=/files/demo.safetensors&layer=fc6&backend=webgpu`);
    const g = (await pageResult(page)) as Awaited<ReturnType<typeof pageResult>> & { note?: string };
    if (hasAdapter) {
      assert.equal(g.error, undefined);
      if (g.backend === 'webgpu') check(g, 'webgpu');
      else assert.match(g.note ?? '', /^WebGPU not used: /);
    } else {
      check(g, 'webgpu → wasm fallback');
      assert.equal(g.backend, 'onnxruntime');
      assert.match(g.note ?? '', /^WebGPU not used: .+; running onnxruntime-web on wasm$/);
      assert.equal(await page.locator('#note').isVisible(), true);
      assert.match(await page.locator('#note').innerText(), /WebGPU not used/);
    }

    await page.goto(`${s.url}?clips=/files/clips.npy&weights=/files/nospec.safetensors`);
    const nospec = await pageResult(page);
    assert.match(nospec.error ?? '', /^\/files\/nospec\.safetensors: records no net spec .*'c3d convert nospec\.safetensors net\.safetensors --model NAME'/);
    assert.doesNotMatch(nospec.error!, /\n/);
    assert.equal(await page.locator('#error').isVisible(), true);

    await page.goto(`${s.url}?clips=/files/clips.npy&weights=/files/cut.safetensors`);
    const cut = await pageResult(page);
    assert.match(cut.error ?? '', /^\/files\/cut\.safetensors: (file is truncated: |\d+ bytes after|data_offsets)/);
    assert.doesNotMatch(cut.error!, /\n/);
    assert.equal(await page.locator('#error').isVisible(), true);
    assert.match(await page.locator('#error').innerText(), /cut\.safetensors: /);
    // Same page: pick the good checkpoint with the file picker and run again.
    await page.locator('#weights-file').setInputFiles(demo);
    await page.locator('#run').click();
    const again = await pageResult(page);
    check(again, 'file picker');
    assert.equal(await page.locator('#error').isVisible(), false);
  } finally {
    await browser.close();
    await s.stop();
    cleanup();
  }
});
