/** Paths of test/fixtures/eval (written by tools/fixtures/eval.py), found from the package root. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function root(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found');
    dir = up;
  }
  return dir;
}

export const packageRoot = root();

export function fixture(name: string): string {
  return join(packageRoot, 'test', 'fixtures', 'eval', name);
}

/** A fresh temp dir, removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'c3d-eval-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
