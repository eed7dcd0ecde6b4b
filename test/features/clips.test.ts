import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClipAssembler, clipStarts } from '../../src/features/clips.js';

test('clipStarts: 16-frame clips every 8 frames (paper)', () => {
  assert.deepEqual(clipStarts(16), [0]);
  assert.deepEqual(clipStarts(40), [0, 8, 16, 24]);
  assert.deepEqual(clipStarts(39), [0, 8, 16]);
  assert.deepEqual(clipStarts(40, { clipLength: 16, stride: 16 }), [0, 16]);
});

test('clipStarts: a video shorter than a clip gets one (padded) clip; zero frames is an error', () => {
  assert.deepEqual(clipStarts(5), [0]);
  assert.throws(() => clipStarts(0), /no frames/);
  assert.throws(() => clipStarts(10, { clipLength: 16, stride: 0 }), /--stride must be a positive integer/);
});

for (const [frames, clipLength, stride] of [[40, 16, 8], [50, 16, 20], [33, 4, 3], [16, 16, 8]] as const) {
  test(`ClipAssembler streams the same clips as clipStarts (N=${frames}, L=${clipLength}, stride=${stride})`, () => {
    const a = new ClipAssembler<number>({ clipLength, stride });
    const clips: number[][] = [];
    for (let i = 0; i < frames; i++) clips.push(...a.push(i));
    clips.push(...a.finish());
    const expected = clipStarts(frames, { clipLength, stride }).map((s) => Array.from({ length: clipLength }, (_, k) => s + k));
    assert.deepEqual(clips, expected);
  });
}

test('ClipAssembler pads a short video by repeating its last frame', () => {
  const a = new ClipAssembler<string>({ clipLength: 5, stride: 2 });
  assert.deepEqual(a.push('a'), []);
  assert.deepEqual(a.push('b'), []);
  assert.deepEqual(a.finish(), [['a', 'b', 'b', 'b', 'b']]);
  assert.throws(() => new ClipAssembler({ clipLength: 5, stride: 2 }).finish(), /no frames/);
});
