/**
 * `npm run bench:extract`: end-to-end extraction speed vs the forward-only speed of the same backend
 * at the same stride, on generated UCF101-sized videos (320×240, 25 fps), next to the paper's
 * 313.9 fps (one K40 GPU, Table 6). Target: end-to-end ≥ 90% of forward-only. Then peak RSS for a
 * long video (default 10 minutes; target ≤ 1.5 GiB) in a child process.
 *
 * Options: --model NAME --width X (smaller nets for a quick run) --backend onnxruntime|wasm
 *          --videos N --seconds S --batch B --jobs J --rss-minutes M (0 = skip) --threads T
 * Numbers are noisy when other processes share the CPU; run on an idle machine for reporting.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { BGR_NO_MEAN } from '../src/features/convention.js';
import { startDecoders } from '../src/features/decoder-pool.js';
import { runPipeline } from '../src/features/pipeline.js';
import { getModel } from '../src/models/index.js';
import { syntheticParams } from '../src/nn/index.js';
import { createBackend, parseBackendName } from '../src/runtime/index.js';
import type { Backend } from '../src/runtime/backend.js';
import { Tensor } from '../src/tensor/tensor.js';
import { resolveFfmpeg } from '../src/video/ffmpeg.js';

const PAPER_FPS = 313.9;
const STRIDE = 8;

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'c3d-sports1m' },
    width: { type: 'string', default: '1' },
    backend: { type: 'string', default: 'onnxruntime' },
    videos: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '8' },
    batch: { type: 'string', default: '4' },
    jobs: { type: 'string', default: '2' },
    threads: { type: 'string' },
    'rss-minutes': { type: 'string', default: '10' },
    'rss-child': { type: 'string' },
  },
});

function makeVideo(path: string, seconds: number, source = 'testsrc2'): void {
  const r = spawnSync(resolveFfmpeg(), ['-v', 'error', '-y', '-f', 'lavfi', '-i', `${source}=size=320x240:rate=25`, '-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', path]);
  if (r.status !== 0) throw new Error(`ffmpeg could not make ${path}: ${r.stderr}`);
}

async function net(): Promise<Backend> {
  const spec = getModel(values.model!, { width: Number(values.width) });
  return createBackend({ backend: parseBackendName(values.backend!), spec, params: syntheticParams(spec, 1), threads: values.threads ? Number(values.threads) : undefined });
}

/** Peak RSS of one long video through the pipeline (run in a child so the number is its own). */
async function rssChild(path: string): Promise<void> {
  await startDecoders(1);
  const backend = await net();
  const t0 = performance.now();
  const s = await runPipeline([{ id: 'long', path }], backend, { layers: ['fc6'], convention: BGR_NO_MEAN, batchSize: Number(values.batch), jobs: 1 });
  await backend.dispose();
  process.stdout.write(JSON.stringify({ frames: s.frames, clips: s.clips, seconds: (performance.now() - t0) / 1000, maxRssBytes: process.resourceUsage().maxRSS * 1024 }) + '\n');
}

async function main(): Promise<void> {
  if (values['rss-child']) return rssChild(values['rss-child']);
  const dir = mkdtempSync(join(tmpdir(), 'c3d-bench-extract-'));
  try {
    const nVideos = Number(values.videos);
    const seconds = Number(values.seconds);
    const batch = Number(values.batch);
    const paths = Array.from({ length: nVideos }, (_, i) => join(dir, `v${i}.mp4`));
    paths.forEach((p, i) => makeVideo(p, seconds, i % 2 ? 'testsrc2' : 'mandelbrot'));
    // As `c3d extract` does: decoders (and their ffmpeg relays) start before the net is loaded.
    await startDecoders(Number(values.jobs));
    const backend = await net();
    const [C, L, H, W] = backend.inputShape;
    console.log(`bench:extract — ${values.model} width ${values.width} on ${backend.name}; ${nVideos} videos × ${seconds} s of 320×240 @ 25 fps; batch ${batch}, jobs ${values.jobs}, stride ${STRIDE}`);

    // Forward-only: the same backend on preprocessed clips, same batch size. Measured before and after
    // the end-to-end run (the mean is the peer), so drift from other load on the machine shows.
    const input = new Tensor([batch, C, L, H, W], new Float32Array(batch * C * L * H * W).map((_, i) => (i % 251) - 125));
    await backend.run(input, ['fc6']); // warm-up
    const reps = Math.max(2, Math.ceil((nVideos * seconds * 25) / STRIDE / batch / 4));
    const forwardOnly = async (): Promise<number> => {
      const t = performance.now();
      for (let i = 0; i < reps; i++) await backend.run(input, ['fc6']);
      return (reps * batch) / ((performance.now() - t) / 1000);
    };
    const fwdBefore = await forwardOnly();

    // End to end: decode, resize, crop, batch across videos, forward, descriptor.
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const s = await runPipeline(paths.map((p, i) => ({ id: `v${i}`, path: p })), backend, {
      layers: ['fc6'], convention: BGR_NO_MEAN, batchSize: batch, jobs: Number(values.jobs),
    });
    const e2eSeconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const e2eFps = s.frames / e2eSeconds;
    const fwdAfter = await forwardOnly();
    await backend.dispose();
    const fwdClipsPerS = (fwdBefore + fwdAfter) / 2;
    const fwdFps = fwdClipsPerS * STRIDE;
    console.log(`forward only : ${fwdClipsPerS.toFixed(2)} clips/s = ${fwdFps.toFixed(1)} frames/s at stride ${STRIDE} (before ${fwdBefore.toFixed(2)}, after ${fwdAfter.toFixed(2)} clips/s; ${reps} batches each)`);
    console.log(`end to end   : ${s.frames} frames, ${s.clips} clips in ${e2eSeconds.toFixed(1)} s = ${e2eFps.toFixed(1)} frames/s; net busy ${s.forwardSeconds.toFixed(1)} s = ${(s.clips / s.forwardSeconds).toFixed(2)} clips/s; process CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s`);
    console.log(`ratio        : end-to-end / forward-only = ${(e2eFps / fwdFps).toFixed(3)} (target ≥ 0.9)`);
    console.log(`paper        : ${PAPER_FPS} frames/s on one K40 GPU (Table 6, incl. I/O); ours/paper = ${(e2eFps / PAPER_FPS).toFixed(3)}`);

    const minutes = Number(values['rss-minutes']);
    if (minutes > 0) {
      const long = join(dir, 'long.mp4');
      makeVideo(long, minutes * 60);
      const args = [fileURLToPath(import.meta.url), '--rss-child', long, '--model', values.model!, '--width', values.width!, '--backend', values.backend!, '--batch', values.batch!];
      const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`RSS run failed: ${r.stderr}`);
      const m = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { frames: number; clips: number; seconds: number; maxRssBytes: number };
      const gib = m.maxRssBytes / 2 ** 30;
      console.log(`peak RSS     : ${gib.toFixed(2)} GiB for a ${minutes}-minute video (${m.frames} frames, ${m.clips} clips, ${m.seconds.toFixed(0)} s) (target ≤ 1.5 GiB)`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
