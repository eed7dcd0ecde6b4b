/** `c3d eval …`: the paper's evaluation protocols on stored descriptors (thin layer over src/eval). */
import { type Command, UsageError } from '../command.js';
import { loadFeatures, assertSameDim } from '../../eval/features.js';
import { readLabels, assertLabelCount } from '../../eval/labels.js';
import { trainAndTest, type ClassifyOptions } from '../../eval/classify.js';
import { DEFAULT_C_GRID } from '../../eval/cross-validation.js';
import { readUcf101Split } from '../../eval/protocols/ucf101.js';
import { readHmdb51Split } from '../../eval/protocols/hmdb51.js';
import { readVideoList, leaveOneOutFolds, kFolds, foldsToSplits } from '../../eval/protocols/list.js';
import { runProtocol, type ProtocolResult } from '../../eval/protocols/run.js';
import type { VideoSplit } from '../../eval/protocols/splits.js';
import { writeNpy } from '../../io/npy.js';
import { writeBytesAtomic } from '../../io/atomic.js';
import { pcaSweep, fitPca, savePca } from '../../eval/pca.js';
import { linePlotPng } from '../../viz/line-plot.js';
import { runAslan } from '../../eval/aslan/protocol.js';
import { readAslanSplits } from '../../eval/aslan/splits.js';
import { rocPng } from '../../viz/roc.js';
import { tsne } from '../../eval/tsne.js';
import { scatterPng } from '../../viz/scatter.js';
import { knnAccuracy } from '../../eval/neighbors.js';
import { objectClips } from '../../eval/object-protocol.js';
import { LabelEncoder } from '../../eval/labels.js';
import { positiveInt } from '../flags/numbers.js';
import { plural } from '../plural.js';

/** Minimal `--name value` / `--flag` parser; unknown flags are a UsageError. */
export function parseFlags(argv: string[], known: Record<string, 'value' | 'bool'>, cmd: string): Map<string, string> {
  const out = new Map<string, string>();
  const at = cmd ? `${cmd}: ` : '';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new UsageError(`${at}unexpected argument '${a}'`);
    const [name, inline] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    const kind = known[name];
    if (!kind) throw new UsageError(`${at}unknown option --${name} (see --help)`);
    if (kind === 'bool') out.set(name, 'true');
    else {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${at}--${name} needs a value`);
      out.set(name, v);
    }
  }
  return out;
}

function need(f: Map<string, string>, name: string, cmd: string): string {
  const v = f.get(name);
  if (v === undefined) throw new UsageError(`${cmd}: --${name} is required`);
  return v;
}

function num(f: Map<string, string>, name: string, dflt: number, cmd: string): number {
  const v = f.get(name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`${cmd}: --${name} must be a number, got '${v}'`);
  return n;
}

/** A count flag (folds, iterations, dims, stride): a positive integer. */
function count(f: Map<string, string>, name: string, dflt: number): number {
  return positiveInt(name, f.get(name), dflt);
}

/** A flag that must be a number > 0 (tolerance, perplexity). */
function positive(f: Map<string, string>, name: string, dflt: number, cmd: string): number {
  const n = num(f, name, dflt, cmd);
  if (!(n > 0)) throw new UsageError(`${cmd}: --${name} must be a number > 0, got '${f.get(name)}'`);
  return n;
}

function numList(text: string, name: string, cmd: string, ok: (n: number) => boolean = Number.isFinite, what = 'numbers'): number[] {
  const l = text.split(',').map((t) => (t.trim() === '' ? NaN : Number(t)));
  if (l.some((n) => !ok(n))) throw new UsageError(`${cmd}: --${name} must be a comma-separated list of ${what}, got '${text}'`);
  return l;
}

const SVM_FLAGS = { c: 'value', 'c-grid': 'value', 'cv-folds': 'value', loss: 'value', bias: 'value', eps: 'value', seed: 'value' } as const;

/** SVM options shared by every sub-command: --c N | --c search, --c-grid, --loss, --bias, --eps. */
function svmOptions(f: Map<string, string>, cmd: string): ClassifyOptions {
  const loss = f.get('loss') ?? 'l2';
  if (loss !== 'l1' && loss !== 'l2') throw new UsageError(`${cmd}: --loss must be l1 or l2, got '${loss}'`);
  const opts: ClassifyOptions = { loss, bias: num(f, 'bias', 1, cmd), eps: positive(f, 'eps', 0.1, cmd), seed: num(f, 'seed', 1, cmd) };
  const c = f.get('c') ?? '1';
  if (c === 'search' || f.has('c-grid')) {
    opts.cGrid = f.has('c-grid') ? numList(f.get('c-grid')!, 'c-grid', cmd, (n) => n > 0, 'numbers > 0') : DEFAULT_C_GRID;
    opts.cvFolds = count(f, 'cv-folds', 5);
  } else {
    opts.c = Number(c);
    if (!(opts.c > 0)) throw new UsageError(`${cmd}: --c must be a positive number or 'search', got '${c}'`);
  }
  return opts;
}

function loadLabelled(features: string, labels: string): { x: ReturnType<typeof loadFeatures>; y: string[] } {
  const x = loadFeatures(features);
  const y = readLabels(labels);
  assertLabelCount(y, x.rows, labels, features);
  return { x, y };
}

function pct(a: number): string {
  return (100 * a).toFixed(2) + '%';
}

async function svm(argv: string[]): Promise<number> {
  const cmd = 'svm';
  const f = parseFlags(argv, { train: 'value', 'train-labels': 'value', test: 'value', 'test-labels': 'value', out: 'value', ...SVM_FLAGS }, cmd);
  const tr = loadLabelled(need(f, 'train', cmd), need(f, 'train-labels', cmd));
  const te = loadLabelled(need(f, 'test', cmd), need(f, 'test-labels', cmd));
  assertSameDim([{ name: f.get('train')!, m: tr.x }, { name: f.get('test')!, m: te.x }]);
  const opts = svmOptions(f, cmd);
  opts.onClass = (k, n) => {
    if (process.stderr.isTTY) process.stderr.write(`\rtraining class ${k + 1}/${n}`);
  };
  const t0 = performance.now();
  const r = trainAndTest(tr.x, tr.y, te.x, te.y, opts);
  if (process.stderr.isTTY) process.stderr.write('\n');
  if (r.cSearch) {
    for (const t of r.cSearch.table) process.stdout.write(`cv C=${t.c}: ${t.accuracy.toFixed(4)}\n`);
    process.stdout.write(`chosen C: ${r.cSearch.best}\n`);
  }
  process.stdout.write(`train: ${tr.x.rows} × ${tr.x.dim}, ${plural(r.encoder.classes.length, 'class')}; test: ${te.x.rows}; ${((performance.now() - t0) / 1000).toFixed(2)} s\n`);
  if (r.unseenTestLabels > 0) process.stdout.write(`note: ${r.unseenTestLabels} test rows have labels absent from training (counted wrong)\n`);
  if (f.has('out')) writeBytesAtomic(f.get('out')!, r.predictions.join('\n') + '\n');
  process.stdout.write(`accuracy: ${r.accuracy.toFixed(4)}\n`);
  return 0;
}

function printProtocol(res: ProtocolResult, perSplit: boolean): void {
  if (perSplit) for (const s of res.splits) process.stdout.write(`${s.name}: ${pct(s.accuracy)} (train ${s.train}, test ${s.test}, C ${s.c})\n`);
  process.stdout.write(`mean: ${pct(res.mean)} ± ${pct(res.stdError)} (standard error over ${plural(res.splits.length, 'split')})\n`);
  process.stdout.write(`accuracy: ${res.mean.toFixed(4)}\n`);
}

const PROTO_FLAGS = { features: 'value', ...SVM_FLAGS } as const;

function featureDirs(f: Map<string, string>, cmd: string): string[] {
  return need(f, 'features', cmd).split(',').filter((s) => s.length > 0);
}

async function officialSplits(argv: string[], which: 'ucf101' | 'hmdb51'): Promise<number> {
  const cmd = which;
  const f = parseFlags(argv, { ...PROTO_FLAGS, splits: 'value', split: 'value' }, cmd);
  const dir = need(f, 'splits', cmd);
  const ns = f.has('split') ? numList(f.get('split')!, 'split', cmd) : [1, 2, 3];
  const splits: VideoSplit[] = ns.map((n) => (which === 'ucf101' ? readUcf101Split(dir, n) : readHmdb51Split(dir, n)));
  const res = runProtocol(splits, featureDirs(f, cmd), svmOptions(f, cmd), (r) =>
    process.stderr.write(`${r.name}: ${pct(r.accuracy)}\n`),
  );
  printProtocol(res, true);
  return 0;
}

async function listProtocol(argv: string[], which: 'loo' | 'kfold'): Promise<number> {
  const cmd = which;
  const f = parseFlags(argv, { ...PROTO_FLAGS, list: 'value', k: 'value' }, cmd);
  const list = readVideoList(need(f, 'list', cmd));
  const folds = which === 'loo' ? leaveOneOutFolds(list.ids.length) : kFolds(list.labels, count(f, 'k', 5), num(f, 'seed', 1, cmd));
  const res = runProtocol(foldsToSplits(list, folds), featureDirs(f, cmd), svmOptions(f, cmd), (_, k, n) => {
    if (process.stderr.isTTY) process.stderr.write(`\r${which} ${k + 1}/${n}${k + 1 === n ? '\n' : ''}`);
  });
  printProtocol(res, which === 'kfold');
  return 0;
}

async function pca(argv: string[]): Promise<number> {
  const cmd = 'pca';
  const f = parseFlags(argv, { train: 'value', 'train-labels': 'value', test: 'value', 'test-labels': 'value', dims: 'value', plot: 'value', 'save-model': 'value', 'model-dims': 'value', ...SVM_FLAGS }, cmd);
  const tr = loadLabelled(need(f, 'train', cmd), need(f, 'train-labels', cmd));
  const te = loadLabelled(need(f, 'test', cmd), need(f, 'test-labels', cmd));
  assertSameDim([{ name: f.get('train')!, m: tr.x }, { name: f.get('test')!, m: te.x }]);
  const dims = numList(f.get('dims') ?? '10,50,100,500', 'dims', cmd, (n) => Number.isSafeInteger(n) && n >= 1, 'positive integers');
  const t0 = performance.now();
  const model = fitPca(tr.x, Math.min(Math.max(...dims, f.has('model-dims') ? count(f, 'model-dims', 0) : 0), tr.x.dim));
  process.stderr.write(`PCA fitted on ${tr.x.rows} × ${tr.x.dim} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  const rows = pcaSweep(model, tr.x, tr.y, te.x, te.y, dims, svmOptions(f, cmd));
  process.stdout.write('dims\taccuracy\n');
  for (const r of rows) process.stdout.write(`${r.dims}\t${r.accuracy.toFixed(4)}\n`);
  if (f.has('plot')) {
    writeBytesAtomic(f.get('plot')!, linePlotPng({ title: 'Accuracy vs PCA dims', xLabel: 'dims', yLabel: 'accuracy', x: rows.map((r) => r.dims), y: rows.map((r) => r.accuracy), logX: true }));
  }
  if (f.has('save-model')) savePca(f.get('save-model')!, model);
  return 0;
}

async function tsneCmd(argv: string[]): Promise<number> {
  const cmd = 'tsne';
  const f = parseFlags(argv, { features: 'value', labels: 'value', out: 'value', plot: 'value', perplexity: 'value', iterations: 'value', seed: 'value', theta: 'value', 'pca-dims': 'value' }, cmd);
  const { x, y } = loadLabelled(need(f, 'features', cmd), need(f, 'labels', cmd));
  const t0 = performance.now();
  const emb = tsne(x, {
    perplexity: positive(f, 'perplexity', 30, cmd),
    iterations: count(f, 'iterations', 1000),
    seed: num(f, 'seed', 1, cmd),
    theta: num(f, 'theta', 0.5, cmd),
    pcaDims: num(f, 'pca-dims', 50, cmd),
    onIteration: (it, n) => {
      if (process.stderr.isTTY && it % 50 === 0) process.stderr.write(`\rt-SNE iteration ${it}/${n}`);
    },
  });
  if (process.stderr.isTTY) process.stderr.write('\n');
  const enc = LabelEncoder.fit(y);
  const cls = enc.encode(y);
  process.stdout.write(`t-SNE of ${x.rows} × ${x.dim} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  process.stdout.write(`5-NN accuracy: input ${knnAccuracy(x, cls, 5).toFixed(4)}, 2-D ${knnAccuracy(emb, cls, 5).toFixed(4)}\n`);
  if (f.has('out')) {
    writeNpy(f.get('out')!, { shape: [emb.rows, 2], data: emb.data });
  }
  if (f.has('plot')) writeBytesAtomic(f.get('plot')!, scatterPng({ points: emb.data, classes: cls, classNames: enc.classes, title: 't-SNE' }));
  return 0;
}

async function aslan(argv: string[]): Promise<number> {
  const cmd = 'aslan';
  const f = parseFlags(argv, { features: 'value', splits: 'value', roc: 'value', types: 'value', ...SVM_FLAGS }, cmd);
  const splits = await readAslanSplits(need(f, 'splits', cmd));
  const types = (f.get('types') ?? 'prob,fc7,fc6,pool5').split(',');
  const res = runAslan(need(f, 'features', cmd), types, splits, svmOptions(f, cmd));
  res.folds.forEach((a, k) => process.stdout.write(`fold ${k + 1}: ${pct(a)}\n`));
  process.stdout.write(`mean: ${pct(res.mean)} ± ${pct(res.stdError)} (standard error over ${plural(res.folds.length, 'fold')})  AUC: ${(100 * res.auc).toFixed(1)}\n`);
  if (f.has('roc')) writeBytesAtomic(f.get('roc')!, rocPng(res.roc, `ASLAN View-2 ROC (AUC ${(100 * res.auc).toFixed(1)})`));
  process.stdout.write(`accuracy: ${res.mean.toFixed(4)}\n`);
  return 0;
}

async function object(argv: string[]): Promise<number> {
  const cmd = 'object';
  const f = parseFlags(argv, { train: 'value', test: 'value', features: 'value', stride: 'value', ...SVM_FLAGS }, cmd);
  // Each of --train/--test is a list "VIDEO FRAME_LABELS.txt" per line; clip features are the rows
  // of <features>/<VIDEO>.npy in window order.
  const stride = count(f, 'stride', 16);
  const load = (listFile: string) => objectClips(listFile, need(f, 'features', cmd), stride);
  const tr = load(need(f, 'train', cmd));
  const te = load(need(f, 'test', cmd));
  const r = trainAndTest(tr.x, tr.labels, te.x, te.labels, svmOptions(f, cmd));
  process.stdout.write(`train clips: ${tr.x.rows} (${tr.dropped} dropped); test clips: ${te.x.rows} (${te.dropped} dropped)\n`);
  process.stdout.write(`accuracy: ${r.accuracy.toFixed(4)}\n`);
  return 0;
}

/** Each sub-command's synopsis lines, as `c3d eval --help` lists them. */
const SYNOPSES = {
  svm: `svm     --train X.npy --train-labels A.txt --test Y.npy --test-labels B.txt [--out PRED.txt]
          one-vs-rest linear SVM (LIBLINEAR dual CD); last line "accuracy: 0.8234"`,
  ucf101: 'ucf101  --features DIR[,DIR2,...] --splits ucfTrainTestlist/ [--split 1,2,3]',
  hmdb51: 'hmdb51  --features DIR[,DIR2,...] --splits testTrainMulti_7030_splits/ [--split 1,2,3]',
  loo: 'loo     --features DIR[,...] --list VIDEOS.txt        leave-one-out (YUPENN, Maryland)',
  kfold: 'kfold   --features DIR[,...] --list VIDEOS.txt [--k 5]',
  pca: `pca     --train … --test … [--dims 10,50,100,500] [--plot acc.png]
          [--save-model pca.safetensors [--model-dims 500]]   (components kept: max of both)`,
  tsne: `tsne    --features X.npy --labels L.txt [--plot tsne.png] [--out emb.npy] [--perplexity 30]
          [--iterations 1000] [--seed 1] [--theta 0.5] [--pca-dims 50]`,
  aslan: 'aslan   --features DIR --splits View2.mat|View2.csv [--types prob,fc7,fc6,pool5] [--roc roc.png]',
  object: 'object  --features DIR --train LIST.txt --test LIST.txt [--stride 16]   (paper §6 object protocol)',
} as const;

const SVM_HELP = `SVM options: --c 1 | --c search [--c-grid 0.01,0.1,1,10] [--cv-folds 5]
  --loss l2|l1 (default l2 = liblinear -s 1; l1 = -s 3)  --bias 1 (≤0: none)  --eps 0.1  --seed 1`;
const FOLDER_HELP = `Feature folders hold one VIDEO.npy per video, shape (clips, dim) or (dim,): clips are averaged and
L2-normalised; several folders (comma-separated) are normalised and concatenated ("3 nets").`;

const USAGE = `usage: c3d eval SUBCOMMAND [options]   (c3d eval SUBCOMMAND --help for one)

${Object.values(SYNOPSES).map((l) => '  ' + l).join('\n')}

${SVM_HELP.replace('SVM options:', 'SVM options (all sub-commands but tsne):')}
${FOLDER_HELP}
See docs/evaluate.md.`;

/** `c3d eval SUB --help`: the synopsis, then only the notes that apply to SUB. */
function subUsage(sub: keyof typeof SYNOPSES): string {
  const [first, ...more] = SYNOPSES[sub].split('\n');
  const rest = first!.slice(sub.length).trim();
  const notes = [sub === 'tsne' ? '' : SVM_HELP, ['ucf101', 'hmdb51', 'loo', 'kfold'].includes(sub) ? FOLDER_HELP : ''].filter(Boolean);
  return [`usage: c3d eval ${sub} ${rest}`, ...more.map((l) => '  ' + l.trim()), '', ...notes, 'See docs/evaluate.md.'].join('\n');
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'evaluate descriptors: SVM, UCF101/HMDB51 splits, leave-one-out, PCA, t-SNE, ASLAN',
  usage: USAGE,
  subcommands: Object.fromEntries(Object.keys(SYNOPSES).map((k) => [k, subUsage(k as keyof typeof SYNOPSES)])),
  async run(argv) {
    const [sub, ...rest] = argv;
    switch (sub) {
      case 'svm': return svm(rest);
      case 'ucf101': return officialSplits(rest, 'ucf101');
      case 'hmdb51': return officialSplits(rest, 'hmdb51');
      case 'loo': return listProtocol(rest, 'loo');
      case 'kfold': return listProtocol(rest, 'kfold');
      case 'pca': return pca(rest);
      case 'tsne': return tsneCmd(rest);
      case 'aslan': return aslan(rest);
      case 'object': return object(rest);
      default:
        throw new UsageError(sub ? `unknown sub-command '${sub}' (svm, ucf101, hmdb51, loo, kfold, pca, tsne, aslan, object)` : 'missing sub-command; see c3d eval --help');
    }
  },
};
