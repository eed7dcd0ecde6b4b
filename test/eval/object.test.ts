import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { clipLabel, windowLabels, objectClips } from '../../src/eval/object-protocol.js';
import { writeNpy } from '../../src/io/npy.js';
import { tempDir } from './fixtures.js';

test('a clip takes its most frequent frame label; < 8 frames of it → dropped; ties → first seen', () => {
  assert.equal(clipLabel([...Array(9).fill('cup'), ...Array(7).fill('pen')]), 'cup');
  assert.equal(clipLabel([...Array(8).fill('pen'), ...Array(8).fill('cup')]), 'pen');
  assert.equal(clipLabel([...Array(7).fill('a'), ...Array(5).fill('b'), ...Array(4).fill('c')]), undefined);
  const frames = [...Array(16).fill('a'), ...Array(10).fill('b'), ...Array(6).fill('c'), ...Array(5).fill('d')];
  assert.deepEqual(windowLabels(frames), ['a', 'b']); // 37 frames → 2 full windows
  assert.deepEqual(windowLabels(frames, 8), ['a', 'a', 'b']); // starts 0, 8, 16 (24 + 16 > 37)
  const mixed = [...Array(16).fill('a'), ...Array(6).fill('b'), ...Array(5).fill('c'), ...Array(5).fill('d')];
  assert.deepEqual(windowLabels(mixed), ['a', undefined]);
});

test('objectClips keeps labelled windows and checks clip counts against frame labels', () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'v1.txt'), [...Array(16).fill('cup'), ...Array(16).fill('none'), ...Array(3).fill('pen')].join('\n'));
    writeFileSync(join(dir, 'list.txt'), 'v1 v1.txt\n');
    writeNpy(join(dir, 'v1.npy'), { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) });
    const r = objectClips(join(dir, 'list.txt'), dir);
    assert.deepEqual(r.labels, ['cup', 'none']);
    assert.equal(r.dropped, 0);
    writeNpy(join(dir, 'v1.npy'), { shape: [3, 3], data: new Float32Array(9) });
    assert.throws(() => objectClips(join(dir, 'list.txt'), dir), /v1\.npy: 3 clips, but v1\.txt has frames for 2 windows/);
  } finally {
    cleanup();
  }
});
