/** `c3d demo`: synthetic motion videos → train → fc6 descriptors → SVM → t-SNE, offline; thin shell over runDemo(). */
import { parseCommandArgs, UsageError, type Command } from '../command.js';
import { TrainProgress } from '../train-progress.js';
import { formatSeconds } from '../progress.js';
import { runDemo, DEMO_RECIPE, QUICK_RECIPE, type DemoStage } from '../../demo/demo.js';
import { nounFor, plural } from '../plural.js';
import { positiveInt } from '../flags/numbers.js';

const usage = `usage: c3d demo [--out DIR] [options]

The whole paper on this machine, no downloads: makes ${DEMO_RECIPE.classes.length} classes of synthetic videos whose class
is only their motion (c3d synth), trains a small ${DEMO_RECIPE.model} net on them (c3d train), extracts fc6
descriptors of every video (c3d extract), classifies them with a linear SVM (c3d eval) and draws a
t-SNE of the test videos. Prints accuracy vs chance, time per stage and where every file is.
  --out DIR            where everything goes (default c3d-demo)
  --backend B          training and extraction backend: onnxruntime or wasm (default: the training default)
  --threads N          compute threads
  --quick              3 classes, a narrower net, fewer iterations (a smoke test)`;

const OPTIONS = {
  out: { type: 'string' },
  backend: { type: 'string' },
  threads: { type: 'string' },
  quick: { type: 'boolean' },
} as const;

const STAGES: Record<DemoStage, string> = { synth: 'making videos', train: 'training', extract: 'extracting fc6', svm: 'SVM', tsne: 't-SNE' };

export const demoCommand: Command = {
  name: 'demo',
  summary: 'synthetic motion videos → train → extract → SVM → t-SNE, offline in minutes',
  usage,
  async run(argv) {
    const { values: v, positionals } = parseCommandArgs(argv, OPTIONS);
    if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    if (v.backend !== undefined && v.backend !== 'wasm' && v.backend !== 'onnxruntime') throw new UsageError(`--backend must be onnxruntime or wasm, got '${v.backend}'`);
    const threads = positiveInt('threads', v.threads);
    const progress = new TrainProgress();
    const r = await runDemo({
      out: v.out ?? 'c3d-demo',
      backend: v.backend as 'wasm' | 'onnxruntime' | undefined,
      threads,
      recipe: v.quick ? QUICK_RECIPE : DEMO_RECIPE,
      onStage: (stage, line) => progress.message(`[${stage}] ${line}`),
      onTrain: (e) => (e.kind === 'message' || e.kind === 'checkpoint' ? undefined : progress.event(e)),
      onProgress: (stage, done, total) => progress.stage(`${STAGES[stage]}:`, done, total),
    });
    progress.finish();
    const pct = (x: number | null): string => `${(100 * (x ?? 0)).toFixed(1)}%`;
    const total = Object.values(r.seconds).reduce((a, b) => a + b, 0);
    process.stdout.write([
      '',
      `c3d demo: ${plural(r.classes.length, 'motion class')} (${r.classes.join(', ')}), ${r.trainVideos} training / ${r.testVideos} test ${nounFor(r.trainVideos + r.testVideos, 'video')}`,
      `  the trained net, video accuracy (10 clips per video): ${pct(r.net.video_top1)}   chance ${pct(r.chance)}`,
      `  linear SVM on its fc6 descriptors:                   ${pct(r.svmAccuracy)}`,
      `  time: ${(Object.entries(r.seconds) as Array<[DemoStage, number]>).map(([s, t]) => `${s} ${formatSeconds(t)}`).join(', ')}; total ${formatSeconds(total)}`,
      `  files: videos ${r.files.data}, run ${r.files.run} (curves.png, log.jsonl), weights ${r.files.weights},`,
      `         descriptors ${r.files.features}, t-SNE ${r.files.tsne}, report ${r.files.report}`,
      '',
      'Next, on real videos with real weights (docs/weights.md, docs/train.md):',
      '  c3d convert conv3d_deepnetA_sport1m_iter_1900000 c3d.safetensors --mean sport1m_train16_128_mean.binaryproto',
      '  c3d extract videos/ --weights c3d.safetensors --out features/',
      '  c3d train --ucf101 UCF101/ --split 1 --model c3d-sports1m --init c3d.safetensors --lr 1e-4 --out runs/ft --val test',
      `  c3d extract videos/ --weights ${r.files.weights} --out demo-features/   (this demo's net)`,
      '',
    ].join('\n'));
    return 0;
  },
};
