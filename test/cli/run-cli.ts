/** Helpers for the test/cli files: the real `c3d` in a child process, and temp folders. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (dist/test/cli/ → three levels up). */
export const packageRoot = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = join(packageRoot, 'dist', 'src', 'cli', 'main.js');

/** Runs `c3d ARGS…`: exit code, stdout, stderr. */
export function c3d(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** A fresh temp dir, removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'c3d-cli-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
