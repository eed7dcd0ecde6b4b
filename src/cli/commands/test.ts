/** `c3d test`: accuracy of a net on labelled data (paper Table 2's clip and video accuracy); thin shell over `testNet()`. */
import { parseCommandArgs, UsageError, type Command } from '../command.js';
import { DATA_FLAGS_USAGE, DATA_OPTIONS, dataSourceFromFlags } from './data-flags.js';
import { TrainProgress } from '../train-progress.js';
import { WEIGHTS_OPTIONS, weightsFlags } from '../flags/weights-flags.js';
import { testNet } from '../../train/test-net.js';
import { positiveInt } from '../flags/numbers.js';
import { plural } from '../plural.js';

const usage = `usage: c3d test --weights W DATA [options]

Clip accuracy (one centre-crop clip per listed clip, or the middle clip of each video) and video
accuracy (softmax averaged over N evenly spaced centre-crop clips, paper Table 2): top-1, top-5,
mean class accuracy; with --out, the confusion matrix (CSV + PNG), per-video predictions (JSON lines)
and report.json.
  --weights FILE       a trained checkpoint (RUN/best.safetensors, RUN/final.safetensors) or any
                       weights c3d loads (the spec and input convention come from the file)
${DATA_FLAGS_USAGE}
                       (--ucf101/--hmdb51 use the split's test list)
  --test-clips N       clips per video for video accuracy (default 10)
  --json               print one JSON object: clip_top1, clip_top5, video_top1, video_top5,
                       mean_class_accuracy, videos, clips (fractions in [0, 1])
  --out DIR            write confusion.csv, confusion.png, predictions.jsonl, report.json
  --batch N (8)  --backend wasm  --threads N  --cache DIR  --jobs N  --ffmpeg PATH
  --map M  --channels bgr|rgb  --mean FILE|none|b,g,r   as for c3d extract`;

const OPTIONS = {
  ...DATA_OPTIONS,
  ...WEIGHTS_OPTIONS,
  weights: { type: 'string' },
  'test-clips': { type: 'string' },
  json: { type: 'boolean' },
  out: { type: 'string' },
  batch: { type: 'string' },
  backend: { type: 'string' },
  threads: { type: 'string' },
  cache: { type: 'string' },
  jobs: { type: 'string' },
  ffmpeg: { type: 'string' },
} as const;


const pct = (v: number | null): string => (v === null ? '-' : `${(100 * v).toFixed(2)}%`);

export const testCommand: Command = {
  name: 'test',
  summary: 'clip / video accuracy, top-5, mean class accuracy and confusion matrix of a net on labelled data',
  usage,
  async run(argv) {
    const { values: v, positionals } = parseCommandArgs(argv, OPTIONS);
    if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    if (!v.weights) throw new UsageError('--weights FILE is required');
    if (v.backend !== undefined && v.backend !== 'wasm' && v.backend !== 'onnxruntime') throw new UsageError(`--backend must be wasm or onnxruntime, got '${v.backend}'`);
    const data = dataSourceFromFlags(v, 'test');
    const flags = weightsFlags(v);
    const progress = new TrainProgress();
    const r = await testNet({
      weights: v.weights,
      data,
      load: flags.load,
      testClips: positiveInt('test-clips', v['test-clips']),
      batch: positiveInt('batch', v.batch),
      backend: v.backend as 'wasm' | 'onnxruntime' | undefined,
      threads: positiveInt('threads', v.threads),
      out: v.out,
      cache: v.cache,
      jobs: positiveInt('jobs', v.jobs),
      ffmpeg: v.ffmpeg,
      onMessage: (t) => progress.message(t),
      onCache: (p) => progress.stage('decoding videos into the frame cache:', p.done, p.total),
      onProgress: (d, t) => progress.stage('testing clips', d, t),
    });
    progress.finish();
    const rep = r.report;
    if (v.json) {
      process.stdout.write(JSON.stringify(rep) + '\n');
    } else {
      const lines = [
        `${r.spec.name} on ${rep.videos ? `${plural(rep.videos, 'video')}, ` : ''}${plural(rep.clips, 'clip')}`,
        `  clip accuracy:  top-1 ${pct(rep.clip_top1)}  top-5 ${pct(rep.clip_top5)}`,
        ...(rep.videos ? [`  video accuracy: top-1 ${pct(rep.video_top1)}  top-5 ${pct(rep.video_top5)}  (${plural(Number(v['test-clips'] ?? 10), 'clip')} per video)`] : []),
        `  mean class accuracy ${pct(rep.mean_class_accuracy)}`,
        ...(r.files.length ? [`  wrote ${r.files.join(', ')}`] : []),
      ];
      process.stdout.write(lines.join('\n') + '\n');
    }
    return 0;
  },
};
