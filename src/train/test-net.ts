/**
 * `testNet`: a trained (or released) net evaluated on a labelled data set — clip and video accuracy,
 * top-5, mean class accuracy, the confusion matrix (CSV + PNG) and per-video predictions (JSON lines).
 * The library side of `c3d test`.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadWeights, type LoadOptions } from '../io/weights.js';
import { CAFFE_CONVENTION, type InputConvention } from '../io/convention.js';
import { writeBytesAtomic } from '../io/atomic.js';
import { getModel } from '../models/zoo.js';
import type { NetSpec } from '../models/spec.js';
import { resolveConvention } from '../features/convention.js';
import { geometryForCrop } from '../features/geometry.js';
import { openDataset } from '../data/open.js';
import { checkDatasetFiles } from '../data/check.js';
import { buildFrameCache, type FrameCacheProgress } from '../data/frame-cache.js';
import { confusionPng } from '../viz/confusion.js';
import type { DataSource } from './config.js';
import { createTrainStep } from './create-step.js';
import { evaluateNet, type EvaluateResult } from './evaluate.js';
import { confusionCsv } from './metrics.js';

export interface TestNetOptions {
  weights: string;
  data: DataSource;
  /** Clips per video for video accuracy (default 10, paper Table 2). */
  testClips?: number;
  batch?: number;
  backend?: 'wasm' | 'onnxruntime';
  threads?: number;
  /** Where the confusion matrix and predictions go (none written when undefined). */
  out?: string;
  /** Frame cache folder (default: OUT/cache, else one under the OS temp folder). */
  cache?: string;
  jobs?: number;
  ffmpeg?: string;
  /** Key renaming / input-convention overrides, as for `c3d extract`. */
  load?: LoadOptions;
  onMessage?: (text: string) => void;
  onCache?: (p: FrameCacheProgress) => void;
  onProgress?: (clipsDone: number, clipsTotal: number) => void;
}

export interface TestNetResult extends EvaluateResult {
  spec: NetSpec;
  convention: InputConvention;
  /** Files written under `out`. */
  files: string[];
}

export async function testNet(opts: TestNetOptions): Promise<TestNetResult> {
  const ws = await loadWeights(opts.weights, opts.load);
  const classesInWeights = ws.params.get(lastFcName(ws.params))?.shape[0];
  const ds = openDataset(opts.data, { classes: classesInWeights, part: 'test' });
  if (ds.kind === 'videos') await checkDatasetFiles(ds);
  const spec = ws.specDef ?? getModel(ws.spec ?? 'c3d-sports1m', { classes: classesInWeights });
  const fc = spec.layers.filter((l) => l.type === 'fc').at(-1);
  if (fc?.type === 'fc' && fc.out !== ds.classes.length) {
    throw new Error(`${opts.weights}: the net has ${fc.out} outputs but ${ds.origin} has ${ds.classes.length} classes`);
  }
  if (ws.classes && ds.kind === 'videos' && ws.classes.join('\n') !== ds.classes.join('\n')) {
    const i = ws.classes.findIndex((c, j) => c !== ds.classes[j]);
    throw new Error(`${opts.weights}: trained on other classes than ${ds.origin} (first difference at label ${i}: '${ws.classes[i]}' vs '${ds.classes[i]}')`);
  }
  const convention = ds.kind === 'clips' ? { channels: 'bgr' as const, mean: 'none' as const, note: 'preprocessed clips, used as given' } : ws.convention ?? CAFFE_CONVENTION;
  const [, , S] = spec.input;
  const geometry = geometryForCrop(S);
  const out = opts.out ? resolve(opts.out) : undefined;
  let cache = null;
  if (ds.kind === 'videos') {
    cache = await buildFrameCache([...new Set(ds.items.map((i) => i.path))], {
      dir: opts.cache ? resolve(opts.cache) : out ? join(out, 'cache') : join(tmpdir(), 'c3d-frame-cache'),
      height: geometry.resizeHeight,
      width: geometry.resizeWidth,
      jobs: opts.jobs,
      ffmpeg: opts.ffmpeg,
      onProgress: opts.onCache,
    });
  }
  const step = await createTrainStep(spec, { backend: opts.backend ?? 'wasm', threads: opts.threads });
  try {
    const r = await evaluateNet(step, ws.params, spec, ds, cache, {
      convention: resolveConvention(convention),
      testClips: opts.testClips ?? 10,
      batch: opts.batch ?? 8,
      geometry,
      onProgress: opts.onProgress,
    });
    const files: string[] = [];
    if (out) {
      mkdirSync(out, { recursive: true });
      const matrix = (r.video ?? r.clip).confusion();
      const write = (name: string, bytes: Uint8Array | string): void => {
        writeBytesAtomic(join(out, name), bytes);
        files.push(join(out, name));
      };
      write('confusion.csv', confusionCsv(matrix, ds.classes));
      write('confusion.png', confusionPng(matrix, ds.classes));
      write('predictions.jsonl', r.predictions.map((p) => JSON.stringify({ ...p, label_name: ds.classes[p.label], predicted_name: ds.classes[p.predicted] })).join('\n') + '\n');
      write('report.json', JSON.stringify(r.report, null, 2) + '\n');
    }
    return { ...r, spec, convention, files };
  } finally {
    await step.dispose();
    cache?.close();
  }
}

/** Name of the classifier's weight: `fc8.weight` in every built-in net, else the last `.weight` key. */
function lastFcName(params: ReadonlyMap<string, unknown>): string {
  if (params.has('fc8.weight')) return 'fc8.weight';
  return [...params.keys()].filter((k) => k.endsWith('.weight')).at(-1) ?? 'fc8.weight';
}
