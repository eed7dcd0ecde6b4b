/**
 * Loader for the PyTorch golden fixtures of tools/fixtures/kernels.py: test/fixtures/kernels/
 * manifest.json lists the cases; each case's tensors lie in <case>.bin as raw little-endian
 * float32 or int32 at the byte offsets the manifest gives.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tensor } from '../../src/tensor/index.js';

interface TensorEntry {
  dtype: 'float32' | 'int32';
  shape: number[];
  offset: number;
}

interface CaseEntry {
  name: string;
  op: 'conv3d' | 'maxpool3d' | 'linear' | 'relu' | 'softmax' | 'softmax_xent';
  params: Record<string, unknown>;
  file: string;
  tensors: Record<string, TensorEntry>;
}

export interface FixtureCase {
  name: string;
  op: CaseEntry['op'];
  params: Record<string, unknown>;
  /** A float32 tensor of the case by name (x, w, b, dy, y, dx, dw, db, logits, grad…). */
  tensor(key: string): Tensor;
  /** An int32 array of the case by name (argmax, labels). */
  ints(key: string): Int32Array;
  has(key: string): boolean;
}

/** test/fixtures/kernels, found by walking up from this file to the package root (works from dist/). */
export function fixturesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('fixtures: package.json not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return join(dir, 'test', 'fixtures', 'kernels');
}

export function loadFixtures(): FixtureCase[] {
  const dir = fixturesDir();
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { cases: CaseEntry[] };
  return manifest.cases.map((c) => {
    const bytes = readFileSync(join(dir, c.file));
    const entry = (key: string, dtype: TensorEntry['dtype']): TensorEntry => {
      const e = c.tensors[key];
      if (!e) throw new Error(`fixture ${c.name}: no tensor '${key}'`);
      if (e.dtype !== dtype) throw new Error(`fixture ${c.name}: '${key}' is ${e.dtype}, not ${dtype}`);
      return e;
    };
    const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
    return {
      name: c.name,
      op: c.op,
      params: c.params,
      has: (key) => key in c.tensors,
      tensor(key) {
        const e = entry(key, 'float32');
        const n = count(e.shape);
        const data = new Float32Array(n);
        const view = new DataView(bytes.buffer, bytes.byteOffset + e.offset, n * 4);
        for (let i = 0; i < n; i++) data[i] = view.getFloat32(i * 4, true);
        return new Tensor(e.shape.length ? e.shape : [1], data);
      },
      ints(key) {
        const e = entry(key, 'int32');
        const n = count(e.shape);
        const data = new Int32Array(n);
        const view = new DataView(bytes.buffer, bytes.byteOffset + e.offset, n * 4);
        for (let i = 0; i < n; i++) data[i] = view.getInt32(i * 4, true);
        return data;
      },
    };
  });
}
