/**
 * Golden fixtures of tools/fixtures/models.py (PyTorch float64): each case names a built-in model
 * and options, the synthetic-weights seed and batch, and summaries of every blob (and gradient):
 * {shape, sum, abs_sum, sample_index, sample}. `expectClose` checks a tensor against a summary at
 * 1e-4 relative: |ours − ref| ≤ 1e-4·(|ref| + max|ref sample|) per sampled value, and the sum to
 * 1e-4 of the absolute sum.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Tensor } from '../../src/tensor/index.js';
import type { ModelOptions } from '../../src/models/index.js';

export interface Summary {
  shape: number[];
  sum: number;
  abs_sum: number;
  sample_index: number[];
  sample: number[];
}

export interface GoldenCase {
  model: string;
  options: ModelOptions;
  seed: number;
  batch: number;
  param_count: number;
  blobs: Record<string, Summary>;
  labels?: number[];
  loss?: number;
  grads?: Record<string, Summary>;
}

const DIR = fileURLToPath(new URL('../../../test/fixtures/models/', import.meta.url));

export function loadGolden(name: string): GoldenCase {
  return JSON.parse(readFileSync(DIR + name + '.json', 'utf8')) as GoldenCase;
}

export const RTOL = 1e-4;

export function expectClose(t: Tensor, ref: Summary, what: string, rtol = RTOL): void {
  assert.deepEqual([...t.shape], ref.shape, `${what}: shape`);
  const scale = Math.max(...ref.sample.map(Math.abs), 1e-30);
  let worst = 0;
  let worstAt = -1;
  ref.sample_index.forEach((idx, k) => {
    const err = Math.abs(t.data[idx]! - ref.sample[k]!) / (Math.abs(ref.sample[k]!) + scale);
    if (err > worst) [worst, worstAt] = [err, idx];
  });
  assert.ok(worst <= rtol, `${what}: element ${worstAt} = ${t.data[worstAt]} vs reference ${ref.sample[ref.sample_index.indexOf(worstAt)]} (relative error ${worst.toExponential(2)})`);
  let sum = 0;
  for (let i = 0; i < t.size; i++) sum += t.data[i]!;
  assert.ok(Math.abs(sum - ref.sum) <= rtol * ref.abs_sum + 1e-30, `${what}: sum ${sum} vs reference ${ref.sum}`);
}
