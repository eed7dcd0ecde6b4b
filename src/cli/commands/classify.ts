/** `c3d classify VIDEO…`: top-5 Sports-1M labels per video (mean of clip probabilities). */
import { startDecoders } from '../../features/decoder-pool.js';
import { readFileSync } from 'node:fs';
import { parseCommandArgs, UsageError, type Command } from '../command.js';
import { WEIGHTS_FLAGS_USAGE, WEIGHTS_OPTIONS } from '../flags/weights-flags.js';
import { BACKEND_FLAGS_USAGE, BACKEND_OPTIONS, MODEL_OPTIONS } from '../flags/model-flags.js';
import { PRECISION_FLAGS_USAGE, PRECISION_OPTIONS } from '../flags/precision-flags.js';
import { checkDecode, type DecodeVerdict } from '../../features/decode-check.js';
import { plural } from '../plural.js';
import { Progress } from '../progress.js';
import { DEFAULT_BATCH, runPipeline } from '../../features/pipeline.js';
import { geometryForCrop } from '../../features/geometry.js';
import { topK, type LabelledScore } from '../../features/classify.js';
import { SPORTS1M_LABELS } from '../../features/sports1m-labels.js';
import { inputsOrUsageError, netFromFlags, onInterrupt } from './extract.js';
import { positiveInt } from '../flags/numbers.js';

const usage = `usage: c3d classify VIDEO... --weights FILE [options]

Prints the top classes of each video: the mean of its clips' softmax probabilities (16-frame clips
every 8 frames, centre crop), with Sports-1M label names for a 487-way net.
  --top K              classes to show (default 5)
  --labels FILE        class names, one per line (default: the Sports-1M list for 487 classes)
  --json               one JSON object per video on stdout
  --stride N           frames between clip starts (default 8)
  --fps N, --ffmpeg PATH, --jobs N, --batch N   as for 'c3d extract'
  --weights FILE       weights (required)
${WEIGHTS_FLAGS_USAGE}
${BACKEND_FLAGS_USAGE}
${PRECISION_FLAGS_USAGE}

VIDEO: files, folders (searched recursively) or quoted globs, as for 'c3d extract'. A truncated
video or one ffmpeg reported errors on is still classified from the frames decoded, with a warning
(stderr; "status" in --json). Progress on stderr as for 'c3d extract'.
Exit code: 0, 1 if any video failed, 2 usage error (also: no input videos), 3 none failed but some
were truncated or had decode errors, 130 interrupted.`;

const OPTIONS = {
  ...WEIGHTS_OPTIONS,
  ...MODEL_OPTIONS,
  ...BACKEND_OPTIONS,
  ...PRECISION_OPTIONS,
  weights: { type: 'string' },
  top: { type: 'string' },
  labels: { type: 'string' },
  json: { type: 'boolean' },
  stride: { type: 'string' },
  fps: { type: 'string' },
  ffmpeg: { type: 'string' },
  jobs: { type: 'string' },
  batch: { type: 'string' },
} as const;


export const classify: Command = {
  name: 'classify',
  summary: 'top-5 Sports-1M labels of videos (mean of clip probabilities)',
  usage,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS);
    if (positionals.length === 0) throw new UsageError('no input videos');
    const k = positiveInt('top', values.top, 5);
    const stride = positiveInt('stride', values.stride, 8);
    const fps = values.fps === undefined ? undefined : Number(values.fps);
    if (fps !== undefined && !(fps > 0)) throw new UsageError(`--fps must be a positive number, got '${values.fps}'`);
    const inputs = inputsOrUsageError(positionals);
    const jobs = positiveInt('jobs', values.jobs, 2);
    // Decoders fork their ffmpeg relays before the weights are in memory, when forking is cheap.
    if (inputs.length > 0) await startDecoders(Math.min(jobs, inputs.length));
    const net = await netFromFlags(values, undefined, { videos: inputs.map((v) => v.path), stride, fps });
    try {
      if (!net.backend.outputNames.includes('prob')) throw new Error(`${net.spec.name} has no 'prob' output`);
      const classes = net.spec.layers.filter((l) => l.type === 'fc').at(-1) as { out?: number } | undefined;
      let labels: readonly string[] | undefined = net.classes ?? (classes?.out === SPORTS1M_LABELS.length ? SPORTS1M_LABELS : undefined);
      if (values.labels) labels = readFileSync(values.labels, 'utf8').split(/\r?\n/).filter((l) => l.trim());
      const [, L, H] = net.backend.inputShape;
      process.stderr.write(`c3d classify: ${net.conventionLine}; clips of ${L} frames every ${stride}; ${net.spec.name} on ${net.backend.name}\n`);
      const results = new Map<string, { top: LabelledScore[]; verdict: DecodeVerdict } | Error>();
      const progress = new Progress(inputs.length);
      const removeInterrupt = onInterrupt(() => {
        progress.finish();
        return `c3d classify: interrupted after ${results.size} of ${plural(inputs.length, 'video')}`;
      });
      await runPipeline(
        inputs.map((v) => ({ id: v.path, path: v.path, decode: { ffmpeg: values.ffmpeg, fps } })),
        net.backend,
        { layers: ['prob'], convention: net.convention, clips: { clipLength: L, stride }, geometry: geometryForCrop(H), jobs, batchSize: positiveInt('batch', values.batch, DEFAULT_BATCH) },
        {
          onVideoStart: (id, estimatedFrames) => progress.start(id, estimatedFrames),
          onFrames: (n, id) => progress.addFrames(n, id),
          onBatch: (n) => progress.addClips(n),
          onVideoDone: (v) => {
            results.set(v.id, { top: topK(v.layers.get('prob')!, labels, k), verdict: checkDecode(v.id, v.frames, v.decode) });
            progress.item(false, v.id);
          },
          onVideoFailed: (id, e) => {
            results.set(id, e);
            progress.item(true, id);
          },
        },
      ).finally(removeInterrupt);
      progress.finish();
      let failed = 0;
      let damaged = 0;
      for (const v of inputs) {
        const r = results.get(v.path)!;
        if (r instanceof Error) {
          failed++;
          process.stderr.write(`c3d classify: ${r.message}\n`);
          if (values.json) process.stdout.write(JSON.stringify({ video: v.path, status: 'failed', error: r.message }) + '\n');
          continue;
        }
        const warning = r.verdict.status === 'ok' ? undefined : r.verdict.message;
        if (warning !== undefined) {
          damaged++;
          process.stderr.write(`c3d classify: ${warning}\n`);
        }
        const status = r.verdict.status === 'ok' ? 'done' : r.verdict.status;
        if (values.json) {
          process.stdout.write(JSON.stringify({ video: v.path, status, ...(warning !== undefined && { warning }), top: r.top }) + '\n');
        } else {
          process.stdout.write(`${v.path}${warning !== undefined ? ` (${status})` : ''}\n${r.top.map((s) => `  ${s.probability.toFixed(4)}  ${s.label}`).join('\n')}\n`);
        }
      }
      return failed > 0 ? 1 : damaged > 0 ? 3 : 0;
    } finally {
      await net.backend.dispose();
    }
  },
};
