/**
 * `npm run bench:web`: full C3D (c3d-sports1m, Caffe's random initialisation) in Chromium beside Node,
 * in one run: clips/s of onnxruntime-web (wasm SIMD + threads) and of our wasm kernels in the page,
 * and of onnxruntime-node on the same .onnx; then the descriptor cosine of the page's browser-decoded
 * video vs `c3d extract`'s (ffmpeg) on real videos (Debian's opencv-doc samples, transcoded to H.264:
 * the browser plays no AVI). Prints markdown for docs/web.md; `--screenshot PATH` saves the page.
 *
 * Options: --clips N (timed clips, default 4) --threads T (default: every core) --frames F (frames
 *          per real video, default 40) --no-real --screenshot PATH
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Page } from 'playwright-core';
import { readNpy, writeNpy } from '../src/io/npy.js';
import { loadOnnxRuntime } from '../src/runtime/ort.js';
import { resolveFfmpeg } from '../src/video/ffmpeg.js';
import { cosine, findChromium, launch, pageResult, serve, type PageResult } from '../test/web/browser.js';
import { packageRoot } from '../test/eval/fixtures.js';
import { benchFlags } from './flags.js';

const flags = benchFlags(process.argv.slice(2));
const nClips = Number(flags.value('--clips') ?? '4');
const threads = Number(flags.value('--threads') ?? String(availableParallelism()));
const realFrames = Number(flags.value('--frames') ?? '40');
const screenshot = flags.value('--screenshot');
const REAL_VIDEOS = ['vtest.avi', 'Megamind.avi', 'tree.avi'].map((f) => `/usr/share/doc/opencv-doc/examples/data/${f}`);
/** C3D's per-channel mean (B,G,R), on both sides: the random net records no convention. */
const MEAN = '104,117,123';

const chromiumPath = findChromium();
if (!chromiumPath) {
  console.error('bench:web: no Chromium (set CHROMIUM_PATH or apt-get install chromium)');
  process.exit(1);
}
const dir = mkdtempSync(join(tmpdir(), 'c3d-bench-web-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function c3d(...args: string[]): string {
  const r = spawnSync(process.execPath, [join(packageRoot, 'dist/src/cli/main.js'), ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`c3d ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const uptime = spawnSync('uptime', { encoding: 'utf8' }).stdout.trim();
console.error(`bench:web: ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}; ${uptime}`);
const onnx = join(dir, 'c3d.onnx');
c3d('export-onnx', '--init', 'caffe', '--model', 'c3d-sports1m', onnx, '--outputs', 'fc6');
const clipShape = [3, 16, 112, 112];
const clipSize = clipShape.reduce((a, b) => a * b, 1);
const clips = new Float32Array(nClips * clipSize);
for (let i = 0; i < clips.length; i++) clips[i] = ((i * 7919) % 256) - 118;
writeNpy(join(dir, 'clips.npy'), { shape: [nClips, ...clipShape], data: clips });

// Node: onnxruntime-node on the same file, one clip per run as the page does (batch=1), after a warm-up.
const ort = await loadOnnxRuntime();
const session = await ort.InferenceSession.create(readFileSync(onnx), { intraOpNumThreads: threads, graphOptimizationLevel: 'all' });
const one = (i: number) => ({ data: new ort.Tensor('float32', clips.slice(i * clipSize, (i + 1) * clipSize), [1, ...clipShape]) });
await session.run(one(0));
let t0 = performance.now();
const nodeFc6: Float32Array[] = [];
for (let i = 0; i < nClips; i++) nodeFc6.push((await session.run(one(i))).fc6!.data as Float32Array);
const nodeRate = nClips / ((performance.now() - t0) / 1000);
await session.release();
console.error(`node onnxruntime: ${nodeRate.toFixed(2)} clips/s`);

const s = await serve(dir);
const browser = await launch(chromiumPath);
const rows: string[] = [`| onnxruntime-node (native CPU) | ${threads} | ${nodeRate.toFixed(2)} | — |`];
try {
  const page = await browser.newPage();
  for (const backend of ['onnxruntime', 'wasm'] as const) {
    t0 = performance.now();
    await page.goto(`${s.url}?clips=/files/clips.npy&weights=/files/c3d.onnx&layer=fc6&batch=1&threads=${threads}&backend=${backend}`);
    const cold = await pageResult(page, 600_000);
    if (cold.error) throw new Error(`${backend}: ${cold.error}`);
    // Again on the loaded net (the page keeps it): the steady rate, as Node's after its warm-up.
    await page.evaluate(() => ((window as { c3dResult?: unknown }).c3dResult = undefined));
    await page.locator('#run').click();
    const warm = await pageResult(page, 600_000);
    if (warm.error) throw new Error(`${backend}: ${warm.error}`);
    let diff = 0;
    warm.perClip.forEach((row, i) => row.forEach((v, j) => (diff = Math.max(diff, Math.abs(v - nodeFc6[i]![j]!)))));
    const name = backend === 'onnxruntime' ? 'onnxruntime-web 1.30 (wasm SIMD + threads)' : 'our wasm kernels (SIMD + Web Workers)';
    rows.push(`| ${name} in Chromium | ${threads} | ${warm.clipsPerSecond.toFixed(2)} | ${diff.toExponential(1)} |`);
    console.error(`${backend}: cold ${cold.clipsPerSecond.toFixed(2)}, warm ${warm.clipsPerSecond.toFixed(2)} clips/s; max |fc6 − node| ${diff}`);
  }

  const real: string[] = [];
  if (!flags.has('--no-real')) {
    for (const video of REAL_VIDEOS.filter(existsSync)) {
      const mp4 = join(dir, basename(video).replace(/\.avi$/, '.mp4'));
      const r = spawnSync(resolveFfmpeg(), ['-v', 'error', '-y', '-i', video, '-frames:v', String(realFrames), '-an', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-crf', '18', mp4]);
      if (r.status !== 0) throw new Error(`ffmpeg ${video}: ${r.stderr}`);
      const cells: string[] = [];
      for (const [net, weights, extra] of [['C3D (random)', onnx, `&mean=${MEAN}`], ['demo net', 'demo', '']] as const) {
        const out = join(dir, `out-${net.replace(/\W/g, '')}`);
        c3d('extract', mp4, '--weights', weights, '--out', out, '--overwrite', ...(extra ? ['--mean', MEAN] : []));
        const want = readNpy(join(out, basename(mp4).replace(/\.mp4$/, '.npy'))).data;
        const url = `${s.url}?video=/files/${basename(mp4)}&layer=fc6&threads=${threads}${weights === onnx ? '&weights=/files/c3d.onnx' : ''}${extra}`;
        await page.goto(url);
        const got: PageResult = await pageResult(page, 600_000);
        if (got.error) throw new Error(`${basename(mp4)}: ${got.error}`);
        cells.push(cosine(got.descriptor, want).toFixed(5));
        if (screenshot && net === 'demo net' && real.length === 0) await shot(page, screenshot);
      }
      real.push(`| ${basename(video)} (first ${realFrames} frames, H.264) | ${cells.join(' | ')} |`);
      console.error(real.at(-1));
    }
  }
  console.log(`Measured ${new Date().toISOString().slice(0, 10)}, ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}, Chromium ${browser.version()}; load average ${loadavg().map((l) => l.toFixed(2)).join(', ')} (\`uptime\`: ${uptime}).\n`);
  console.log(`| runtime (c3d-sports1m, ${nClips} clips, batch 1) | threads | clips/s | max abs fc6 diff to Node |\n|---|---|---|---|\n${rows.join('\n')}\n`);
  if (real.length) console.log(`| video | cosine, C3D fc6 (random weights, mean ${MEAN}) | cosine, demo net fc6 |\n|---|---|---|\n${real.join('\n')}`);
} finally {
  await browser.close();
  await s.stop();
}

async function shot(page: Page, path: string): Promise<void> {
  await page.setViewportSize({ width: 1100, height: 900 });
  await page.screenshot({ path, fullPage: true });
  console.error(`screenshot: ${path}`);
}
