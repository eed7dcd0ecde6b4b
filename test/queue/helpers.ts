/** Test helpers for the queue tests: `c3d` children to watch and signal, tiny weights, small videos. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../eval/fixtures.js';
import { saveSafetensors } from '../../src/io/weights.js';
import { getModel } from '../../src/models/index.js';
import { syntheticParams } from '../../src/nn/index.js';

export const MAIN = join(packageRoot, 'dist', 'src', 'cli', 'main.js');

/** Short locks so a killed worker's job is taken over in seconds; short retry backoff. */
export const QUEUE_ENV = { C3D_QUEUE_LOCK_MS: '2000', C3D_QUEUE_BACKOFF_MS: '200' };

/** The tiny net of the extract end-to-end test: C3D at width 1/16, 5 classes, synthetic weights. */
export async function tinyWeights(path: string, seed = 3): Promise<string> {
  const spec = getModel('c3d-sports1m', { width: 0.0625, classes: 5 });
  const convention = { channels: 'bgr' as const, mean: { kind: 'bgr' as const, values: [90, 98, 102] as [number, number, number] }, note: 'test weights' };
  await saveSafetensors(path, { params: syntheticParams(spec, seed), spec: 'c3d-sports1m', convention, source: 'synthetic test weights' });
  return path;
}

/** `c3d ARGS…` run to the end (blocking), with QUEUE_ENV. */
export function c3dSync(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, ...QUEUE_ENV } });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** A `c3d` child whose output is collected as it comes, to wait for lines and signal it. */
export class C3dProcess {
  readonly child: ChildProcess;
  out = '';
  err = '';
  readonly exited: Promise<number | string>;
  private waiters: (() => void)[] = [];

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [MAIN, ...args], { env: { ...process.env, ...QUEUE_ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
    const kill = (): void => void this.child.kill('SIGKILL');
    process.on('exit', kill);
    this.child.stdout!.on('data', (d) => this.got(d, 'out'));
    this.child.stderr!.on('data', (d) => this.got(d, 'err'));
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => {
        process.removeListener('exit', kill);
        resolve(code ?? signal ?? -1);
      }),
    );
  }

  private got(d: Buffer, stream: 'out' | 'err'): void {
    this[stream] += d.toString();
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves with the match once stderr matches `re` (rejects after `ms`, with the output so far). */
  async waitFor(re: RegExp, ms = 30_000): Promise<RegExpMatchArray> {
    const t0 = Date.now();
    for (;;) {
      const m = this.err.match(re);
      if (m) return m;
      if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${re}; stderr so far:\n${this.err}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
  }
}

/** Every file under `dir` (relative paths, '/'-separated). */
export function filesUnder(dir: string, rel = ''): string[] {
  return readdirSync(join(dir, rel)).flatMap((n) => {
    const r = rel ? `${rel}/${n}` : n;
    return statSync(join(dir, r)).isDirectory() ? filesUnder(dir, r) : [r];
  });
}

/** Manifest lines of DIR/manifest.jsonl. */
export function manifestOf(path: string): { id: string; status: string; error?: string; outputs?: string[] }[] {
  return readFileSync(path, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}
