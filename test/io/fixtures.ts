/** Paths and expected values of the fixtures written by tools/fixtures/io.py. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/tensor/index.js';

export const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/io/', import.meta.url));
export const fixture = (name: string): string => join(FIXTURES, name);

export interface ExpectedTensor {
  shape: number[];
  values: number[];
}

export const expected = JSON.parse(readFileSync(fixture('expected.json'), 'utf8')) as {
  mini_caffe: Record<string, ExpectedTensor>;
  port_mini: Record<string, ExpectedTensor>;
  odd: Record<string, ExpectedTensor>;
  mean_crop: ExpectedTensor;
  feature_blob: ExpectedTensor;
  real_mean: {
    file: string;
    bytes: number;
    shape: number[];
    channel_means: number[];
    min: number;
    max: number;
    probes: { index: number[]; value: number }[];
  };
  ref_safetensors: { metadata: Record<string, string>; tensors: Record<string, ExpectedTensor> };
};

/** The mini nets' shapes under our names (what a spec's paramShapes would give). */
export function miniShapes(): Map<string, number[]> {
  return new Map(Object.entries(expected.mini_caffe).map(([k, v]) => [k, v.shape]));
}

/** Lossless format conversions: values must be the fixture's float32 values exactly. */
export function assertTensorEquals(t: Tensor | undefined, e: ExpectedTensor, what: string): void {
  assert.ok(t, `${what}: missing`);
  assert.deepEqual([...t.shape], e.shape.length ? e.shape : [1], `${what}: shape`);
  assert.equal(t.size, e.values.length, `${what}: size`);
  for (let i = 0; i < e.values.length; i++) {
    if (t.data[i] !== Math.fround(e.values[i])) assert.fail(`${what}[${i}] = ${t.data[i]}, expected ${Math.fround(e.values[i])}`);
  }
}

/** A fresh temp dir, removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'c3d-io-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
