import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { PNG } from 'pngjs';
import { writeNpy } from '../../src/io/npy.js';
import { loadPca } from '../../src/eval/pca.js';
import { fixture, packageRoot, tempDir } from './fixtures.js';

const MAIN = join(packageRoot, 'dist', 'src', 'cli', 'main.js');

function c3d(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const SVM_ARGS = ['--train', fixture('svm_train.npy'), '--train-labels', fixture('svm_train_labels.txt'), '--test', fixture('svm_test.npy'), '--test-labels', fixture('svm_test_labels.txt')];

test('c3d eval svm prints "accuracy: X" last and writes predictions with --out', () => {
  const { dir, cleanup } = tempDir();
  try {
    const out = join(dir, 'pred.txt');
    const r = c3d('eval', 'svm', ...SVM_ARGS, '--c', '1', '--loss', 'l2', '--out', out);
    assert.equal(r.code, 0, r.err);
    const last = r.out.trim().split('\n').pop()!;
    assert.match(last, /^accuracy: \d\.\d{4}$/);
    const pred = readFileSync(out, 'utf8').trim().split('\n');
    const truth = readFileSync(fixture('svm_test_labels.txt'), 'utf8').trim().split('\n');
    assert.equal(pred.length, truth.length);
    const acc = pred.filter((p, i) => p === truth[i]).length / truth.length;
    assert.equal(last, `accuracy: ${acc.toFixed(4)}`);
    const s = c3d('eval', 'svm', ...SVM_ARGS, '--c', 'search', '--c-grid', '0.1,1', '--cv-folds', '3');
    assert.equal(s.code, 0, s.err);
    assert.match(s.out, /cv C=0\.1: [\d.]+\ncv C=1: [\d.]+\nchosen C: (0\.1|1)\n/);
  } finally {
    cleanup();
  }
});

test('c3d eval svm: one-line errors for usage and bad input', () => {
  const { dir, cleanup } = tempDir();
  try {
    let r = c3d('eval', 'svm', '--train', fixture('svm_train.npy'));
    assert.equal(r.code, 2);
    assert.equal(r.err, 'c3d eval: svm: --train-labels is required\n');
    r = c3d('eval', 'svm', ...SVM_ARGS, '--loss', 'l3');
    assert.equal(r.code, 2);
    assert.match(r.err, /--loss must be l1 or l2/);
    const short = join(dir, 'short.txt');
    writeFileSync(short, 'walk\nrun\n');
    r = c3d('eval', 'svm', ...SVM_ARGS.slice(0, 2), '--train-labels', short, ...SVM_ARGS.slice(4));
    assert.equal(r.code, 1);
    assert.match(r.err, /short\.txt: 2 labels for 120 feature rows in .*svm_train\.npy/);
    const wide = join(dir, 'wide.npy');
    writeNpy(wide, { shape: [40, 21], data: new Float32Array(40 * 21) });
    r = c3d('eval', 'svm', ...SVM_ARGS.slice(0, 4), '--test', wide, '--test-labels', fixture('svm_test_labels.txt'));
    assert.match(r.err, /feature files have different dims: .*svm_train\.npy \(20\), .*wide\.npy \(21\)/);
    r = c3d('eval', 'nope');
    assert.equal(r.code, 2);
  } finally {
    cleanup();
  }
});

test('c3d eval pca prints the accuracy table, writes a PNG plot and a loadable model', () => {
  const { dir, cleanup } = tempDir();
  try {
    const plot = join(dir, 'pca.png');
    const model = join(dir, 'pca.safetensors');
    const r = c3d('eval', 'pca', ...SVM_ARGS, '--dims', '2,5,10', '--plot', plot, '--save-model', model);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^dims\taccuracy\n2\t[\d.]+\n5\t[\d.]+\n10\t[\d.]+\n$/);
    const png = PNG.sync.read(readFileSync(plot));
    assert.equal(png.width, 640);
    assert.equal(loadPca(model).numComponents, 10);
  } finally {
    cleanup();
  }
});

test('c3d search ranks index videos by cosine similarity; c3d eval tsne writes an embedding and plot', () => {
  const { dir, cleanup } = tempDir();
  try {
    const idx = join(dir, 'index');
    mkdirSync(idx);
    writeNpy(join(idx, 'a.npy'), { shape: [2, 3], data: Float32Array.from([1, 0, 0, 1, 0, 0]) });
    writeNpy(join(idx, 'b.npy'), { shape: [3], data: Float32Array.from([0, 1, 0]) });
    writeNpy(join(idx, 'c.npy'), { shape: [1, 3], data: Float32Array.from([1, 1, 0]) });
    const r = c3d('search', 'a', '--index', idx, '--top', '2');
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, `# a\n1\t0.7071\tc\n2\t0.0000\tb\n`); // the query itself is left out (test/cli/search.test.ts)
    const bad = c3d('search', 'zzz', '--index', idx);
    assert.match(bad.err, /query 'zzz' is neither a \.npy file nor a video in/);
    const plot = join(dir, 't.png');
    const emb = join(dir, 'emb.npy');
    const t = c3d('eval', 'tsne', '--features', fixture('svm_train.npy'), '--labels', fixture('svm_train_labels.txt'), '--perplexity', '10', '--iterations', '300', '--plot', plot, '--out', emb);
    assert.equal(t.code, 0, t.err);
    assert.match(t.out, /5-NN accuracy: input [\d.]+, 2-D [\d.]+/);
    assert.equal(PNG.sync.read(readFileSync(plot)).width, 800);
  } finally {
    cleanup();
  }
});

test('c3d eval aslan reads a CSV split file, prints folds, mean ± SE, AUC, and writes the ROC PNG', () => {
  const { dir, cleanup } = tempDir();
  try {
    const ids = readFileSync(fixture('view2.csv'), 'utf8').trim().split('\n').slice(1).flatMap((l) => l.split(',').slice(1, 3));
    for (const t of ['prob', 'fc7']) {
      mkdirSync(join(dir, t));
      for (const id of new Set(ids)) {
        const v = Number(id);
        writeNpy(join(dir, t, `${id}.npy`), { shape: [2, 3], data: Float32Array.from([v % 7, 1 + (v % 3), 2, (v * 5) % 11, 1, v % 2]) });
      }
    }
    const roc = join(dir, 'roc.png');
    const r = c3d('eval', 'aslan', '--features', dir, '--splits', fixture('view2.csv'), '--types', 'prob,fc7', '--roc', roc);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^fold 1: [\d.]+%\nfold 2: [\d.]+%\nfold 3: [\d.]+%\nmean: [\d.]+% ± [\d.]+% \(standard error over 3 folds\)  AUC: [\d.]+\naccuracy: [\d.]+\n$/);
    assert.equal(PNG.sync.read(readFileSync(roc)).width, 560);
  } finally {
    cleanup();
  }
});
