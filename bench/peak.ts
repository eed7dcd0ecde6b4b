/**
 * This machine's FMA peak, measured in the benchmark's own run (the VM's CPU model changes between
 * sessions, so a hard-coded peak goes stale): tools/bench/fma_peak.c — independent FMA chains on the
 * widest vector type — built with the system C compiler (-O3 -march=native) into a temp folder and
 * run on the benchmark's thread count. Skipped, with the reason, when no compiler is present.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE = fileURLToPath(new URL('../../tools/bench/fma_peak.c', import.meta.url));

export type Peak =
  | { gflops: number; note: string }
  | { gflops?: undefined; note: string };

/**
 * GFLOP/s of `threads` threads of FMAs (best of `reps` runs) and a sentence for the docs saying so,
 * or only a sentence saying why it was skipped. Never throws: a benchmark without a peak still
 * reports its own numbers.
 */
export function measurePeak(threads: number, reps = 5): Peak {
  const cc = ['gcc', 'cc', 'clang'].find((c) => spawnSync(c, ['--version'], { stdio: 'ignore' }).status === 0);
  if (!cc) return { note: '% of peak not given: no C compiler (gcc, cc, clang) on PATH to build the FMA probe' };
  const dir = mkdtempSync(join(tmpdir(), 'c3d-peak-'));
  try {
    const exe = join(dir, 'fma_peak');
    const build = spawnSync(cc, ['-O3', '-march=native', '-pthread', SOURCE, '-o', exe], { encoding: 'utf8' });
    if (build.status !== 0) return { note: `% of peak not given: ${cc} could not build tools/bench/fma_peak.c (${build.stderr.trim().split('\n')[0]})` };
    const run = spawnSync(exe, [String(threads), String(reps)], { encoding: 'utf8' });
    if (run.status !== 0) return { note: `% of peak not given: the FMA probe exited with ${run.status ?? run.signal}` };
    const r = JSON.parse(run.stdout.trim()) as { gflops: number; lanes: number; threads: number };
    return {
      gflops: r.gflops,
      note: `% of peak is of this machine's FMA peak, ${r.gflops.toFixed(0)} GFLOP/s, measured in this run (tools/bench/fma_peak.c: ${r.threads} thread${r.threads === 1 ? '' : 's'}, ${r.lanes}-float vectors, 12 independent FMA chains, ${cc} -O3 -march=native)`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The higher of two measurements (e.g. one before and one after a benchmark's runs): other work on
 * a shared machine only ever lowers a reading, so the higher one is nearer the machine's peak.
 */
export function higherPeak(a: Peak, b: Peak): Peak {
  if (a.gflops === undefined) return b;
  if (b.gflops === undefined) return a;
  const best = a.gflops >= b.gflops ? a : b;
  return { ...best, note: best.note.replace('measured in this run', 'measured in this run (the higher of a reading before and one after the timed runs)') };
}

/** "87%" of the measured peak, or '–' when none was measured. */
export function percentOfPeak(gflops: number, peak: Peak): string {
  return peak.gflops ? `${((100 * gflops) / peak.gflops).toFixed(0)}%` : '–';
}
