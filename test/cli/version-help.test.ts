/** `c3d --version` and per-sub-command `--help`. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageInfo } from '../../src/cli/package-info.js';
import { usageFor } from '../../src/cli/command.js';
import { evalCommand } from '../../src/cli/commands/eval.js';
import { c3d, packageRoot, tempDir } from './run-cli.js';

test('c3d --version and -V print the name and version of package.json, exit 0; --help mentions it', () => {
  const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { name: string; version: string };
  for (const flag of ['--version', '-V']) {
    const r = c3d(flag);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, `${pkg.name} ${pkg.version}\n`);
    assert.equal(r.err, '');
  }
  const h = c3d('--help');
  assert.equal(h.code, 0);
  assert.match(h.out.split('\n')[0]!, /c3d --version/);
});

test('packageInfo walks up past a package.json without a name and version', () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'renamed-pkg', version: '9.8.7' }));
    mkdirSync(join(dir, 'dist', 'src', 'cli'), { recursive: true });
    writeFileSync(join(dir, 'dist', 'package.json'), JSON.stringify({ type: 'module' }));
    assert.deepEqual(packageInfo(join(dir, 'dist', 'src', 'cli')), { name: 'renamed-pkg', version: '9.8.7' });
  } finally {
    cleanup();
  }
});

test('c3d eval svm --help prints only svm usage; c3d eval --help still lists every sub-command', () => {
  const r = c3d('eval', 'svm', '--help');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^usage: c3d eval svm --train X\.npy --train-labels A\.txt --test Y\.npy --test-labels B\.txt/);
  assert.match(r.out, /SVM options: --c 1 \| --c search/);
  for (const other of ['ucf101', 'hmdb51', 'loo', 'kfold', 'pca', 'tsne', 'aslan', 'object']) assert.doesNotMatch(r.out, new RegExp(`\\b${other}\\b`), other);
  const all = c3d('eval', '--help');
  assert.equal(all.code, 0);
  for (const sub of ['svm', 'ucf101', 'hmdb51', 'loo', 'kfold', 'pca', 'tsne', 'aslan', 'object']) assert.match(all.out, new RegExp(`^  ${sub} `, 'm'), sub);
});

test('usageFor: a known sub-command gets its own usage, anything else the command usage', () => {
  const tsne = usageFor(evalCommand, ['tsne', '--features', 'x']);
  assert.match(tsne, /^usage: c3d eval tsne --features X\.npy --labels L\.txt/);
  assert.doesNotMatch(tsne, /SVM options/); // t-SNE takes no SVM flags
  assert.match(usageFor(evalCommand, ['loo']), /Feature folders hold one VIDEO\.npy/);
  assert.equal(usageFor(evalCommand, ['bogus']), evalCommand.usage);
  assert.equal(usageFor(evalCommand, ['--features', 'svm']), evalCommand.usage);
  assert.equal(usageFor(evalCommand, ['constructor']), evalCommand.usage); // not an inherited property
});
