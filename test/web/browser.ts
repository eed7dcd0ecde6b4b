/**
 * Helpers of the browser tests: find a Chromium (CHROMIUM_PATH, else Debian's), run `c3d serve` on a
 * free port in a child process, open the page with playwright-core and wait for `window.c3dResult`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import assert from 'node:assert/strict';
import { packageRoot } from '../eval/fixtures.js';
import { c3d } from '../cli/run-cli.js';
import { readNpy, writeNpy, type NpyArray } from '../../src/io/npy.js';
import { videoDescriptor } from '../../src/features/aggregate.js';

/** The Chromium binary to drive, or undefined (the tests then skip, saying why). */
export function findChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((p): p is string => !!p && existsSync(p));
}

export const NO_CHROMIUM = 'no Chromium found (set CHROMIUM_PATH, or apt-get install chromium; .ci/run installs it)';

export interface Served {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `c3d serve --port 0 [--files DIR]` and resolves with the URL it prints. */
export function serve(files?: string): Promise<Served> {
  const args = [join(packageRoot, 'dist', 'src', 'cli', 'main.js'), 'serve', '--port', '0', ...(files ? ['--files', files] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /http:\/\/\S+\//.exec(out)?.[0];
      if (url) resolve({ url, child, stop });
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => reject(new Error(`c3d serve exited with ${code}: ${err.trim()}`)));
  });
}

/** Launches Chromium headless (no sandbox as root, where it cannot start one). */
export function launch(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
}

/** A finished run as the page reports it. */
export interface PageResult {
  error?: string;
  layer: string;
  clips: number;
  descriptor: number[];
  perClip: number[][];
  labels?: Array<{ clip: number; startFrame: number; top: Array<{ label: string; probability: number }> }>;
  backend: string;
  clipsPerSecond: number;
  netSeconds: number;
}

/** Waits for the page's run to end and returns `window.c3dResult`. */
export async function pageResult(page: Page, timeout = 45_000): Promise<PageResult> {
  await page.waitForFunction(() => (window as { c3dResult?: unknown }).c3dResult !== undefined, null, { timeout });
  return (await page.evaluate(() => (window as { c3dResult?: unknown }).c3dResult)) as PageResult;
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

/** Largest |a[i] − b[i]|. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/**
 * Writes `n` preprocessed 16×56² demo-net clips (pixels minus a mean, as `c3d extract` feeds the net) to
 * DIR/clips.npy and returns the Node CLI's fc6 for them (`c3d extract --clips … --weights WEIGHTS`):
 * per-clip rows and the video descriptor, what the page must reproduce.
 */
export function cliClipsReference(dir: string, weights: string, n: number): { want: NpyArray; wantDescriptor: Float32Array } {
  const clips = new Float32Array(n * 3 * 16 * 56 * 56);
  for (let i = 0; i < clips.length; i++) clips[i] = ((i * 7919) % 256) - 96;
  writeNpy(join(dir, 'clips.npy'), { shape: [n, 3, 16, 56, 56], data: clips });
  const cli = c3d('extract', '--clips', join(dir, 'clips.npy'), '--weights', weights, '--out', join(dir, 'out'), '--layer', 'fc6');
  assert.equal(cli.code, 0, cli.err);
  const want = readNpy(join(dir, 'out', 'clips.npy')); // N × dim: --clips writes per-clip rows
  return { want, wantDescriptor: videoDescriptor({ clips: n, dim: want.shape[1]!, data: want.data as Float32Array }) };
}
