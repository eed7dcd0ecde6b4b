/**
 * `npm run bench:runtime`: the paper's Table 6 for this machine — `c3d runtime`'s measurement
 * (src/features/runtime-table.ts) on a folder of generated UCF101-sized videos (320×240, 25 fps,
 * H.264), random C3D weights, every backend, beside the paper's K40 rows; writes the "Runtime
 * (paper Table 6)" section of docs/benchmarks.md.
 *
 * Options: --model NAME --width X (a smaller net for a quick run) --videos N --seconds S
 *          --backends onnxruntime,wasm --threads T --batch B --no-doc
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BGR_NO_MEAN } from '../src/features/convention.js';
import { startDecoders } from '../src/features/decoder-pool.js';
import { findVideos } from '../src/features/inputs.js';
import { formatRuntimeTable, measureRuntime, type RuntimeMeasurement } from '../src/features/runtime-table.js';
import { getModel } from '../src/models/index.js';
import { syntheticParams } from '../src/nn/index.js';
import { createBackend, parseBackendName } from '../src/runtime/index.js';
import { resolveFfmpeg } from '../src/video/ffmpeg.js';
import { benchFlags } from './flags.js';
import { writeDocSection } from './doc-section.js';

const flags = benchFlags(process.argv.slice(2));
const model = flags.value('--model') ?? 'c3d-sports1m';
const width = Number(flags.value('--width') ?? '1');
const nVideos = Number(flags.value('--videos') ?? '2');
const seconds = Number(flags.value('--seconds') ?? '2');
const backends = (flags.value('--backends') ?? 'onnxruntime,wasm').split(',').map(parseBackendName);
const threads = flags.value('--threads') ? Number(flags.value('--threads')) : undefined;
const batchSize = Number(flags.value('--batch') ?? '4');

function makeVideo(path: string, source: string): void {
  const r = spawnSync(resolveFfmpeg(), ['-v', 'error', '-y', '-f', 'lavfi', '-i', `${source}=size=320x240:rate=25`, '-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', path]);
  if (r.status !== 0) throw new Error(`ffmpeg could not make ${path}: ${r.stderr}`);
}

const dir = mkdtempSync(join(tmpdir(), 'c3d-bench-runtime-'));
try {
  const sources = ['testsrc2', 'mandelbrot', 'smptebars', 'rgbtestsrc'];
  for (let i = 0; i < nVideos; i++) makeVideo(join(dir, `v${i}.mp4`), sources[i % sources.length]!);
  const videos = findVideos(dir);
  await startDecoders(Math.min(2, videos.length));
  const spec = getModel(model, { width });
  const params = syntheticParams(spec, 1);
  const load0 = loadavg()[0]!;
  const started = new Date();
  const results: RuntimeMeasurement[] = [];
  for (const name of backends) {
    const backend = await createBackend({ backend: name, spec, params, threads });
    try {
      console.error(`bench:runtime — ${spec.name} on ${name}…`);
      results.push(await measureRuntime(videos, backend, { convention: BGR_NO_MEAN, workDir: join(dir, `work-${name}`), batchSize, jobs: 2 }));
    } finally {
      await backend.dispose();
    }
  }
  const table = formatRuntimeTable(results);
  console.log(table);
  if (!flags.has('--no-doc')) {
    const cmd = `npm run bench:runtime${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
    writeDocSection('## Runtime (paper Table 6)', [
      '## Runtime (paper Table 6)',
      '',
      `Measured ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpus()[0]?.model.trim()} (${cpus().length} cores, Node ${process.version}; ` +
        `1-minute load average ${load0.toFixed(1)} at the start: other jobs shared the cores), command \`${cmd}\` (the same measurement as \`c3d runtime DIR\`). ` +
        `${spec.name} with random weights (speed does not depend on their values) on ${videos.length} generated videos of ${seconds} s, 320×240 at 25 fps (UCF101's size), ` +
        `H.264; fc6 descriptors, clips every 8 frames, batch ${batchSize}.`,
      '',
      'Stage columns: each video decoded into memory, resized/cropped/normalised, run through the net and its descriptor written, each stage timed alone ' +
        '(`stages s` is their sum). "run time" is the same folder through the extraction job `c3d extract` runs (decoding in worker threads overlapping the net), wall clock; ' +
        "frames/s and × slower come from it. \"UCF101 h\" extrapolates our speed to UCF101's 2.49 M frames (313.9 frames/s × 2.2 h, from the paper's own C3D row). " +
        "The rows marked (paper) are the paper's figures for all of UCF101 on one K40 GPU or one CPU, as printed; their × slower is the paper's.",
      '',
      table,
    ].join('\n'));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
