/** `c3d search`: the query's own video is left out of its hits unless --include-self. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeNpy } from '../../src/io/npy.js';
import { cosineSearch } from '../../src/eval/neighbors.js';
import { c3d, tempDir } from './run-cli.js';

/** a = (1,0,0) (two clips), b = (0,1,0), c = (1,1,0): cos(a,c) = cos(b,c) = 0.7071, cos(a,b) = 0. */
function tinyIndex(dir: string): string {
  const idx = join(dir, 'index');
  mkdirSync(idx);
  writeNpy(join(idx, 'a.npy'), { shape: [2, 3], data: Float32Array.from([1, 0, 0, 1, 0, 0]) });
  writeNpy(join(idx, 'b.npy'), { shape: [3], data: Float32Array.from([0, 1, 0]) });
  writeNpy(join(idx, 'c.npy'), { shape: [1, 3], data: Float32Array.from([1, 1, 0]) });
  return idx;
}

test('c3d search excludes the query video (by id and by its own index file); --include-self keeps it', () => {
  const { dir, cleanup } = tempDir();
  try {
    const idx = tinyIndex(dir);
    const byId = c3d('search', 'a', 'c', '--index', idx, '--top', '5');
    assert.equal(byId.code, 0, byId.err);
    assert.equal(byId.out, '# a\n1\t0.7071\tc\n2\t0.0000\tb\n# c\n1\t0.7071\ta\n2\t0.7071\tb\n');
    const byPath = c3d('search', join(idx, 'a.npy'), '--index', idx, '--top', '1');
    assert.equal(byPath.code, 0, byPath.err);
    assert.equal(byPath.out, '# a.npy\n1\t0.7071\tc\n');
    const self = c3d('search', 'a', '--index', idx, '--top', '2', '--include-self');
    assert.equal(self.out, '# a\n1\t1.0000\ta\n2\t0.7071\tc\n');
    // A copy outside the index is another file: nothing is left out.
    copyFileSync(join(idx, 'a.npy'), join(dir, 'a.npy'));
    const copy = c3d('search', join(dir, 'a.npy'), '--index', idx, '--top', '1');
    assert.equal(copy.out, '# a.npy\n1\t1.0000\ta\n');
  } finally {
    cleanup();
  }
});

test('cosineSearch exclude: the row is skipped, k shrinks to the rows left, an empty result for a lone row', () => {
  const index = { rows: 2, dim: 2, data: Float32Array.from([1, 0, 0, 1]) };
  const q = { rows: 2, dim: 2, data: Float32Array.from([1, 0, 1, 0]) };
  const r = cosineSearch(index, q, 5, { exclude: [0, undefined] });
  assert.deepEqual(r.map((hits) => hits.map((h) => h.index)), [[1], [0, 1]]);
  const lone = { rows: 1, dim: 2, data: Float32Array.from([1, 0]) };
  assert.deepEqual(cosineSearch(lone, lone, 3, { exclude: [0] }), [[]]);
});
