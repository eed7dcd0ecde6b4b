/**
 * synth → train → extract → SVM → t-SNE, end to end through runDemo (what `c3d demo --quick` runs):
 * every stage's output exists and both the trained net and the linear SVM on its fc6 descriptors
 * beat chance by far on held-out videos whose class is only their motion.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDemo, QUICK_RECIPE } from '../../src/demo/demo.js';

test('c3d demo --quick: motion classes learnt far above chance, by the net and by an SVM on its fc6', async () => {
  const out = mkdtempSync(join(tmpdir(), 'c3d-demo-'));
  process.on('exit', () => rmSync(out, { recursive: true, force: true }));
  const stages: string[] = [];
  const r = await runDemo({ out, recipe: QUICK_RECIPE, backend: 'onnxruntime', onStage: (s) => stages.push(s) });
  assert.deepEqual(stages, ['synth', 'train', 'extract', 'svm', 'tsne']);
  assert.equal(r.classes.length, 3);
  assert.ok((r.net.video_top1 ?? 0) >= 0.6, `net video accuracy ${r.net.video_top1} (chance 0.33)`);
  assert.ok(r.svmAccuracy >= 0.6, `SVM accuracy ${r.svmAccuracy} (chance 0.33)`);
  for (const f of Object.values(r.files)) assert.ok(existsSync(f), f);
  const saved = JSON.parse(readFileSync(r.files.report, 'utf8')) as { svmAccuracy: number };
  assert.equal(saved.svmAccuracy, r.svmAccuracy);
});

test('--weights demo loads the bundled demo net: its spec, input convention and class names', async () => {
  const { loadWeights } = await import('../../src/io/weights.js');
  const { DEMO_RECIPE } = await import('../../src/demo/demo.js');
  const ws = await loadWeights('demo');
  assert.deepEqual([...(ws.classes ?? [])].sort(), [...DEMO_RECIPE.classes].sort());
  assert.equal(ws.specDef?.input.join(), `3,${DEMO_RECIPE.length},${DEMO_RECIPE.size},${DEMO_RECIPE.size}`);
  assert.ok(ws.convention && ws.convention.mean !== 'none');
});
