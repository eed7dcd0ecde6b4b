/** `c3d runtime DIR`: the paper's Table 6 (runtime including I/O) for this machine, per backend (thin layer over src/features/runtime-table.ts). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCommandArgs, UsageError, type Command } from '../command.js';
import { WEIGHTS_FLAGS_USAGE, WEIGHTS_OPTIONS } from '../flags/weights-flags.js';
import { BACKEND_OPTIONS, MODEL_FLAGS_USAGE, MODEL_OPTIONS } from '../flags/model-flags.js';
import { backendNames, createBackend, parseBackendName, type BackendName } from '../../runtime/index.js';
import { expandInputs } from '../../features/inputs.js';
import { startDecoders } from '../../features/decoder-pool.js';
import { formatRuntimeTable, measureRuntime, measuredFps, PAPER_TABLE6, type RuntimeMeasurement } from '../../features/runtime-table.js';
import { NET_SOURCE_OPTIONS, NET_SOURCE_USAGE, netSourceFromFlags } from './net-source.js';
import { positiveInt } from '../flags/numbers.js';
import { PRECISION_FLAGS_USAGE, PRECISION_OPTIONS } from '../flags/precision-flags.js';
import { plural } from '../plural.js';

const usage = `usage: c3d runtime DIR... (--weights FILE | --init KIND) [options]

Times C3D feature extraction (the fc6 video descriptor) over the videos of DIR, including I/O, for
each backend, and prints it beside the paper's Table 6 (UCF101 on one K40 GPU / one CPU, the paper's
figures). Two timings per backend:
  stages     each video decoded (ffmpeg → frames in memory), resized and cropped (171×128 bilinear,
             crop, mean, channel order), run through the net (full batches) and its descriptor written,
             each stage timed alone; "stages s" is their sum (no overlap)
  run time   the same videos through the extraction job 'c3d extract' runs (decoding overlaps the
             net), wall clock: frames/s and "× slower than the fastest row" come from it
  --backends LIST      comma-separated: ${backendNames.join(', ')} (default onnxruntime)
  --json               one JSON object (measurements and the paper's rows) on stdout
  --no-pipeline        time the stages only
  --stride N           frames between clip starts (default 8)
  --batch N            clips per forward pass (default 4)
  --jobs N             videos decoded in parallel by the job (default 2)
  --fps N, --ffmpeg PATH, --list FILE   as for 'c3d extract'
  --threads N          compute threads of every backend (default: each backend's)
${PRECISION_FLAGS_USAGE}
                       (int8 times one backend: --backends onnxruntime)
Weights and net
${NET_SOURCE_USAGE}
${WEIGHTS_FLAGS_USAGE}
${MODEL_FLAGS_USAGE}

Example: c3d runtime videos/ --init synthetic --backends onnxruntime,wasm`;

const OPTIONS = {
  ...WEIGHTS_OPTIONS,
  ...MODEL_OPTIONS,
  ...NET_SOURCE_OPTIONS,
  threads: BACKEND_OPTIONS.threads,
  ...PRECISION_OPTIONS,
  backends: { type: 'string' },
  json: { type: 'boolean' },
  'no-pipeline': { type: 'boolean' },
  stride: { type: 'string' },
  batch: { type: 'string' },
  jobs: { type: 'string' },
  fps: { type: 'string' },
  ffmpeg: { type: 'string' },
  list: { type: 'string', multiple: true },
} as const;


export const runtimeCommand: Command = {
  name: 'runtime',
  summary: "time extraction per stage and backend over a folder, beside the paper's Table 6",
  usage,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS);
    let backends: BackendName[];
    try {
      backends = [...new Set((values.backends ?? 'onnxruntime').split(',').map((s) => s.trim()).filter(Boolean).map(parseBackendName))];
    } catch (e) {
      throw new UsageError(`--backends: ${(e as Error).message}`);
    }
    if (backends.length === 0) throw new UsageError('--backends: no backend given');
    if (values.precision === 'int8' && backends.length > 1) throw new UsageError('--precision int8 times one backend: --backends onnxruntime');
    const stride = positiveInt('stride', values.stride, 8);
    const batchSize = positiveInt('batch', values.batch, 4);
    const jobs = positiveInt('jobs', values.jobs, 2);
    const fps = values.fps === undefined ? undefined : Number(values.fps);
    if (fps !== undefined && !(fps > 0 && Number.isFinite(fps))) throw new UsageError(`--fps must be a positive number, got '${values.fps}'`);
    if (positionals.length === 0 && !values.list) throw new UsageError('no input videos (give a folder, files, globs or --list FILE)');
    const videos = expandInputs(positionals, values.list ?? []);
    if (videos.length === 0) throw new UsageError(`no videos found in ${positionals.join(', ')}`);

    await startDecoders(Math.min(jobs, videos.length));
    const src = await netSourceFromFlags(values, backends[0]!, { videos: videos.map((v) => v.path), stride, fps });
    const work = mkdtempSync(join(tmpdir(), 'c3d-runtime-'));
    const results: RuntimeMeasurement[] = [];
    try {
      process.stderr.write(`c3d runtime: ${plural(videos.length, 'video')}; ${src.spec.name} (${src.source}); ${src.conventionLine}; clips every ${plural(stride, 'frame')}, batch ${batchSize}\n`);
      for (const [i, name] of backends.entries()) {
        const backend = i === 0 ? src.backend! : await createBackend({ backend: name, spec: src.spec, params: src.params, threads: values.threads ? Number(values.threads) : undefined });
        try {
          process.stderr.write(`c3d runtime: ${name}…\n`);
          const m = await measureRuntime(videos, backend, {
            convention: src.convention, workDir: join(work, name), stride, batchSize, jobs, decode: { ffmpeg: values.ffmpeg, fps }, pipeline: !values['no-pipeline'],
          });
          results.push(m);
          for (const f of m.failed) process.stderr.write(`failed: ${f.error.includes(f.video) ? f.error : `${f.video}: ${f.error}`}\n`);
        } finally {
          await backend.dispose();
        }
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    if (values.json) {
      process.stdout.write(JSON.stringify({ net: src.spec.name, source: src.source, measurements: results.map((m) => ({ ...m, fps: measuredFps(m) })), paper: PAPER_TABLE6 }) + '\n');
    } else {
      process.stdout.write(formatRuntimeTable(results) + '\n');
    }
    return results.some((m) => m.failed.length > 0) ? 1 : 0;
  },
};
