import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSeconds, Progress } from '../../src/cli/progress.js';

function sink(isTTY: boolean): { isTTY: boolean; columns: number; out: string[]; write(s: string): boolean } {
  const out: string[] = [];
  return { isTTY, columns: 200, out, write: (s: string) => (out.push(s), true) };
}

test('progress is silent in pipes', () => {
  const s = sink(false);
  const p = new Progress(3, 'videos', s, 0);
  p.addFrames(10);
  p.addClips(1);
  p.item();
  p.finish();
  assert.deepEqual(s.out, []);
});

test('progress on a TTY: videos done/total, failures, clips/s, fps, ETA', () => {
  const s = sink(true);
  const p = new Progress(4, 'videos', s, 0);
  p.addFrames(100);
  p.addClips(12);
  p.item();
  p.item(true);
  const last = s.out.at(-1)!;
  assert.match(last, /^\r\x1b\[2K\[#{10}\.{10}\] videos 2\/4 \(1 failed\) \| [\d.]+ clips\/s \| [\d.]+ fps \| ETA \d+s$/);
  p.finish();
  assert.equal(s.out.at(-1), '\r\x1b[2K');
});

test('formatSeconds', () => {
  assert.equal(formatSeconds(5.4), '5s');
  assert.equal(formatSeconds(65), '1m05s');
  assert.equal(formatSeconds(3 * 3600 + 120), '3h02m');
});
