/**
 * The FMA peak probe of bench:c3d / bench:train (bench/peak.ts, tools/bench/fma_peak.c): built with
 * the system compiler when there is one, it reports a plausible GFLOP/s and says how it measured it;
 * without one it says why the column is empty. Never a timing assertion beyond "positive".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { higherPeak, measurePeak, percentOfPeak } from '../../bench/peak.js';

test('measurePeak: GFLOP/s of the FMA probe with the sentence the docs print, or why not', () => {
  const peak = measurePeak(1, 1);
  const compiler = ['gcc', 'cc', 'clang'].some((c) => spawnSync(c, ['--version'], { stdio: 'ignore' }).status === 0);
  if (compiler) {
    assert.ok(peak.gflops !== undefined && peak.gflops > 0, peak.note);
    assert.match(peak.note, /^% of peak is of this machine's FMA peak, \d+ GFLOP\/s, measured in this run \(tools\/bench\/fma_peak\.c: 1 thread, \d+-float vectors/);
    assert.equal(percentOfPeak(peak.gflops / 2, peak), '50%');
  } else {
    assert.equal(peak.gflops, undefined);
    assert.match(peak.note, /^% of peak not given: /);
  }
  assert.equal(percentOfPeak(100, { note: 'none' }), '–');
});

test('higherPeak keeps the higher reading (a busy machine only lowers one) and says so', () => {
  const low = { gflops: 100, note: '% of peak is of this machine\'s FMA peak, 100 GFLOP/s, measured in this run (x)' };
  const high = { gflops: 200, note: '% of peak is of this machine\'s FMA peak, 200 GFLOP/s, measured in this run (x)' };
  const best = higherPeak(low, high);
  assert.equal(best.gflops, 200);
  assert.match(best.note, /200 GFLOP\/s, measured in this run \(the higher of a reading before and one after the timed runs\) \(x\)/);
  assert.equal(higherPeak({ note: 'none' }, low), low);
  assert.equal(higherPeak(high, { note: 'none' }), high);
});
