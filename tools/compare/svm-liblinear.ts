/**
 * Test tool (not CI): our one-vs-rest SVM vs Debian's liblinear-tools on the same .npy data.
 *
 *   node dist/tools/compare/svm-liblinear.js --train X.npy --train-labels A.txt --test Y.npy --test-labels B.txt [--c 1] [--loss l2|l1]
 *   node dist/tools/compare/svm-liblinear.js --synthetic [--classes 20 --per-class 50 --dim 512 --noise 8]
 *
 * Prints both test accuracies (must agree within 0.5 points), the max / mean |decision difference|
 * and their correlation, and both training times.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFeatures, type FeatureMatrix } from '../../src/eval/features.js';
import { readLabels, LabelEncoder } from '../../src/eval/labels.js';
import { trainLinearSvm, decisionValues, argmaxRows, accuracy } from '../../src/eval/linear-svm.js';
import { writeSvmlight, readLiblinearModel } from '../../src/eval/svmlight.js';
import { gaussianClusters } from '../../src/eval/synthetic.js';

function arg(name: string, dflt?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

async function main(): Promise<void> {
  let tr: { x: FeatureMatrix; y: Int32Array }, te: { x: FeatureMatrix; y: Int32Array }, K: number;
  if (process.argv.includes('--synthetic')) {
    const o = { classes: Number(arg('classes', '20')), perClass: Number(arg('per-class', '50')), dim: Number(arg('dim', '512')), noise: Number(arg('noise', '8')), reluNormalize: true };
    const a = gaussianClusters({ ...o, seed: 1 });
    tr = a;
    te = gaussianClusters({ ...o, perClass: 20, seed: 2, centres: a.centres });
    K = o.classes;
  } else {
    const enc = LabelEncoder.fit(readLabels(arg('train-labels')!));
    tr = { x: loadFeatures(arg('train')!), y: enc.encode(readLabels(arg('train-labels')!)) };
    te = { x: loadFeatures(arg('test')!), y: enc.encode(readLabels(arg('test-labels')!)) };
    K = enc.classes.length;
  }
  const c = Number(arg('c', '1'));
  const loss = (arg('loss', 'l2') as 'l1' | 'l2');
  const t0 = performance.now();
  const model = trainLinearSvm(tr.x, tr.y, K, { c, loss });
  const oursS = (performance.now() - t0) / 1000;
  const ours = decisionValues(model, te.x);
  const dir = mkdtempSync(join(tmpdir(), 'c3d-compare-'));
  try {
    await writeSvmlight(join(dir, 'train'), tr.x, tr.y);
    await writeSvmlight(join(dir, 'test'), te.x, te.y);
    const t1 = performance.now();
    execFileSync('liblinear-train', ['-q', '-s', loss === 'l2' ? '1' : '3', '-c', String(c), '-B', '1', join(dir, 'train'), join(dir, 'model')]);
    const libS = (performance.now() - t1) / 1000;
    execFileSync('liblinear-predict', [join(dir, 'test'), join(dir, 'model'), join(dir, 'pred')]);
    const libPred = Int32Array.from(readFileSync(join(dir, 'pred'), 'utf8').trim().split('\n').map(Number));
    // Decision values from the liblinear model file: columns in its label order.
    const m = readLiblinearModel(join(dir, 'model'));
    const models = m.labels.length === 2 ? 1 : m.labels.length;
    const theirs = new Float64Array(te.x.rows * K);
    for (let i = 0; i < te.x.rows; i++) {
      for (let col = 0; col < models; col++) {
        let s = m.w[te.x.dim]![col]! * m.bias;
        for (let j = 0; j < te.x.dim; j++) s += te.x.data[i * te.x.dim + j]! * m.w[j]![col]!;
        if (K === 2) { theirs[i * 2 + m.labels[0]!] = s; theirs[i * 2 + m.labels[1]!] = -s; }
        else theirs[i * K + m.labels[col]!] = s;
      }
    }
    let maxD = 0, sumD = 0, ma = 0, mb = 0;
    const n = ours.length;
    for (let i = 0; i < n; i++) { const d = Math.abs(ours[i]! - theirs[i]!); maxD = Math.max(maxD, d); sumD += d; ma += ours[i]! / n; mb += theirs[i]! / n; }
    let sab = 0, saa = 0, sbb = 0;
    for (let i = 0; i < n; i++) { sab += (ours[i]! - ma) * (theirs[i]! - mb); saa += (ours[i]! - ma) ** 2; sbb += (theirs[i]! - mb) ** 2; }
    const accOurs = accuracy(argmaxRows(ours, te.x.rows, K), te.y);
    const accLib = accuracy(libPred, te.y);
    console.log(`train ${tr.x.rows} × ${tr.x.dim}, ${K} classes, test ${te.x.rows}; -s ${loss === 'l2' ? 1 : 3} -c ${c} -B 1`);
    console.log(`accuracy: ours ${(100 * accOurs).toFixed(2)}%, liblinear ${(100 * accLib).toFixed(2)}% (difference ${(100 * Math.abs(accOurs - accLib)).toFixed(2)} points; must be ≤ 0.5)`);
    console.log(`decision values: max |Δ| ${maxD.toPrecision(3)}, mean |Δ| ${(sumD / n).toPrecision(3)}, correlation ${(sab / Math.sqrt(saa * sbb)).toFixed(5)}`);
    console.log(`training time: ours ${oursS.toFixed(2)} s, liblinear-train ${libS.toFixed(2)} s (incl. text parsing)`);
    process.exitCode = Math.abs(accOurs - accLib) <= 0.005 ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`compare: ${(e as Error).message}`);
  process.exitCode = 1;
});
