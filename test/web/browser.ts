/**
 * Helpers of the browser tests: find a Chromium (CHROMIUM_PATH, else Debian's), run `c3d serve` on a
 * free port in a child process, open the page with playwright-core and wait for `window.c3dResult`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { packageRoot } from '../eval/fixtures.js';

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
