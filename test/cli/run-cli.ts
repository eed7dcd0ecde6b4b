/** Helpers for the tests that run the real `c3d` in a child process. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../eval/fixtures.js';

export { packageRoot, tempDir } from '../eval/fixtures.js';

const MAIN = join(packageRoot, 'dist', 'src', 'cli', 'main.js');

/** Runs `node NODE_ARGS… c3d ARGS…` (e.g. `--import` a module hook): exit code, stdout, stderr. */
export function c3dWithNode(nodeArgs: readonly string[], ...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [...nodeArgs, MAIN, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** Runs `c3d ARGS…`: exit code, stdout, stderr. */
export function c3d(...args: string[]): { code: number; out: string; err: string } {
  return c3dWithNode([], ...args);
}
