/**
 * The `c3d` bin stays runnable after any rebuild: package.json points it at bin/c3d.js, a committed
 * file with its exec bit (tsc writes dist/src/cli/main.js without one), and it runs directly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../cli/run-cli.js';

const at = (file: string): string => join(packageRoot, file);
const pkg = JSON.parse(readFileSync(at('package.json'), 'utf8')) as { name: string; version: string; bin: Record<string, string>; files?: string[] };

test('package.json bin is bin/c3d.js, executable in the work tree and in git', () => {
  assert.deepEqual(pkg.bin, { c3d: 'bin/c3d.js' });
  assert.ok((statSync(at('bin/c3d.js')).mode & 0o111) !== 0, 'bin/c3d.js has no exec bit');
  const staged = spawnSync('git', ['ls-files', '-s', 'bin/c3d.js'], { cwd: packageRoot, encoding: 'utf8' });
  if (staged.status === 0 && staged.stdout.trim()) assert.match(staged.stdout, /^100755 /, 'git records bin/c3d.js without the exec bit');
});

test('bin/c3d.js runs directly (shebang + exec bit) and prints the version', () => {
  const out = execFileSync(at('bin/c3d.js'), ['--version'], { encoding: 'utf8' });
  assert.equal(out.trim(), `${pkg.name} ${pkg.version}`);
});

test('the package ships what runs and a LICENSE, not tests', () => {
  assert.ok(pkg.files?.includes('dist/src/'));
  assert.ok(pkg.files?.includes('LICENSE'));
  assert.ok(!pkg.files?.some((f) => /^(test|dist\/test|bench|dist\/bench|tools)\b/.test(f)));
  assert.match(readFileSync(at('LICENSE'), 'utf8'), /^MIT License/);
});
