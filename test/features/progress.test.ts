import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSeconds, pipeIntervalMs, PIPE_INTERVAL_MS, Progress } from '../../src/cli/progress.js';

function sink(isTTY: boolean): { isTTY: boolean; columns: number; out: string[]; write(s: string): boolean } {
  const out: string[] = [];
  return { isTTY, columns: 200, out, write: (s: string) => (out.push(s), true) };
}

test('in a pipe: plain lines, at most one per interval (none within the first interval)', () => {
  const quiet = sink(false);
  const p = new Progress(3, 'videos', quiet, 0, 60_000);
  p.addFrames(10);
  p.addClips(1);
  p.item();
  p.finish();
  assert.deepEqual(quiet.out, [], 'nothing before the first interval has passed');

  const s = sink(false);
  const q = new Progress(3, 'videos', s, 0, 0);
  q.start('a', 100);
  q.addFrames(50, 'a');
  q.addClips(5);
  assert.ok(s.out.length > 0);
  for (const l of s.out) assert.ok(l.endsWith('\n') && !l.includes('\r'), JSON.stringify(l));
  assert.match(s.out.at(-1)!, /^16% \| videos 0\/3 \| 50 frames, 5 clips \| [\d.]+ frames\/s, [\d.]+ clips\/s \| ETA (\d+s|\d+m\d\ds)\n$/);
  q.finish();
  assert.ok(!s.out.at(-1)!.includes('\x1b'), 'finish writes no escape codes in a pipe');
});

test('on a TTY: bar, percentage, videos done/total, failures, frames and clips, rates, ETA', () => {
  const s = sink(true);
  const p = new Progress(4, 'videos', s, 0);
  p.addFrames(100);
  p.addClips(12);
  p.item();
  p.item(true);
  const last = s.out.at(-1)!;
  assert.match(last, /^\r\x1b\[2K\[#{10}\.{10}\] 50% \| videos 2\/4 \(1 failed\) \| 100 frames, 12 clips \| [\d.]+ frames\/s, [\d.]+ clips\/s \| ETA \d+s$/);
  p.finish();
  assert.equal(s.out.at(-1), '\r\x1b[2K');
});

test('one long video moves the bar by its decoded frames; skipped videos do not count as work', () => {
  const s = sink(true);
  const p = new Progress(1, 'videos', s, 0);
  assert.match(p.line(), /ETA --$/);
  p.start('long', 1000);
  p.addFrames(250, 'long');
  assert.equal(p.fraction(), 0.25);
  assert.match(p.line(), /^25% \| videos 0\/1 \| 250 frames, 0 clips \|.*ETA (?!--)/);
  p.item(false, 'long');
  assert.equal(p.fraction(), 1);

  const q = new Progress(4, 'videos', sink(true), 0);
  q.skip();
  q.skip();
  q.start('x', 10);
  q.addFrames(5, 'x');
  assert.equal(q.fraction(), 0.25, 'half of one of the two videos left to do');
});

test('the pipe interval: 30 s, or C3D_PROGRESS_INTERVAL seconds', () => {
  assert.equal(PIPE_INTERVAL_MS, 30_000);
  assert.equal(pipeIntervalMs({}), 30_000);
  assert.equal(pipeIntervalMs({ C3D_PROGRESS_INTERVAL: '5' }), 5000);
  assert.equal(pipeIntervalMs({ C3D_PROGRESS_INTERVAL: '0' }), 0);
  assert.equal(pipeIntervalMs({ C3D_PROGRESS_INTERVAL: 'soon' }), 30_000);
  assert.equal(pipeIntervalMs({ C3D_PROGRESS_INTERVAL: '-1' }), 30_000);
});

test('formatSeconds', () => {
  assert.equal(formatSeconds(5.4), '5s');
  assert.equal(formatSeconds(65), '1m05s');
  assert.equal(formatSeconds(3 * 3600 + 120), '3h02m');
});
