/**
 * The page in real Chromium from a video: a generated mp4 decoded by the browser through the same
 * resize/crop/clip modules as Node, labelled by the bundled demo net (labels on the timeline), with a
 * descriptor whose cosine to `c3d extract`'s (ffmpeg-decoded) is ≥ 0.98. Also the COOP/COEP headers
 * as the browser receives them, and the page cross-origin isolated.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tempDir } from '../eval/fixtures.js';
import { c3d } from '../cli/run-cli.js';
import { readNpy } from '../../src/io/npy.js';
import { makeVideo } from '../video/make-videos.js';
import { cosine, findChromium, launch, NO_CHROMIUM, pageResult, serve } from './browser.js';

const chromiumPath = findChromium();
if (!chromiumPath) console.log(`# test/web: skipped, ${NO_CHROMIUM}`);

const DEMO_CLASSES = ['MoveLeftFast', 'MoveRightFast', 'MoveUpFast', 'MoveDownFast', 'ZoomIn', 'ZoomOut'];

test('page ?video= with the demo net: labels on the timeline, descriptor cosine to the CLI ≥ 0.98, COOP/COEP, no request to another origin', { skip: chromiumPath ? false : NO_CHROMIUM }, async () => {
  const { dir, cleanup } = tempDir();
  // 40 frames at 25 fps: 4 clips of 16 every 8; H.264 as most users' videos are.
  makeVideo(join(dir, 'v.mp4'), 'testsrc=size=160x120:rate=25', 40, 'libx264', ['-pix_fmt', 'yuv420p']);
  const cli = c3d('extract', join(dir, 'v.mp4'), '--weights', 'demo', '--out', join(dir, 'out'));
  assert.equal(cli.code, 0, cli.err);
  const want = readNpy(join(dir, 'out', 'v.npy'));

  const s = await serve(dir);
  const browser = await launch(chromiumPath!);
  try {
    const page = await browser.newPage();
    // Everything the page loads — its code, workers, onnxruntime-web's wasm, the net, the video —
    // comes from the serving origin (or blob:/data: URLs it makes itself): nothing is uploaded.
    const requests: string[] = [];
    page.on('request', (req) => requests.push(req.url()));
    page.on('worker', (w) => requests.push(w.url()));
    const response = await page.goto(`${s.url}?video=/files/v.mp4&layer=fc6`);
    const headers = response!.headers();
    assert.equal(headers['cross-origin-opener-policy'], 'same-origin');
    assert.equal(headers['cross-origin-embedder-policy'], 'require-corp');
    const r = await pageResult(page);
    assert.equal(r.error, undefined);
    assert.equal(await page.evaluate(() => crossOriginIsolated), true);
    assert.equal(r.clips, 4);
    assert.equal(r.descriptor.length, want.data.length);
    const cos = cosine(r.descriptor, want.data);
    assert.ok(cos >= 0.98, `cosine to the CLI's descriptor ${cos}`);
    const timeline = await page.locator('#timeline .clip').allInnerTexts();
    assert.equal(timeline.length, 4);
    for (const clip of timeline) assert.ok(DEMO_CLASSES.some((c) => clip.includes(c)), clip);
    assert.deepEqual(r.labels?.map((l) => l.startFrame), [0, 8, 16, 24]);
    assert.equal(await page.locator('#downloads a').count(), 2);
    const origin = new URL(s.url).origin;
    const foreign = requests.filter((u) => !u.startsWith('blob:') && !u.startsWith('data:') && new URL(u).origin !== origin);
    assert.deepEqual(foreign, [], 'requests to other origins');
    assert.ok(requests.some((u) => u.endsWith('.wasm')), `the page's own requests were seen: ${requests.join(', ')}`);
  } finally {
    await browser.close();
    await s.stop();
    cleanup();
  }
});
