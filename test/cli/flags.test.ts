/** Flag parsing errors: negative numbers after a flag, parseArgs errors as one line, eval's count flags. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { joinNegativeValues, parseCommandArgs, UsageError } from '../../src/cli/command.js';
import { c3d, packageRoot } from './run-cli.js';

const OPTIONS = { batch: { type: 'string' }, lr: { type: 'string', short: 'l' }, json: { type: 'boolean' } } as const;

test('joinNegativeValues: a negative number after a value flag becomes its value', () => {
  assert.deepEqual(joinNegativeValues(['--batch', '-3', 'v.mp4'], OPTIONS), ['--batch=-3', 'v.mp4']);
  assert.deepEqual(joinNegativeValues(['-l', '-1e-3', '--lr', '-.5'], OPTIONS), ['-l=-1e-3', '--lr=-.5']);
  // Not joined: a switch, an unknown flag, a non-number, an inline value, anything after `--`.
  assert.deepEqual(joinNegativeValues(['--json', '-3'], OPTIONS), ['--json', '-3']);
  assert.deepEqual(joinNegativeValues(['--nope', '-3'], OPTIONS), ['--nope', '-3']);
  assert.deepEqual(joinNegativeValues(['--batch', '-x'], OPTIONS), ['--batch', '-x']);
  assert.deepEqual(joinNegativeValues(['--batch=2', '-3'], OPTIONS), ['--batch=2', '-3']);
  assert.deepEqual(joinNegativeValues(['--', '--batch', '-3'], OPTIONS), ['--', '--batch', '-3']);
});

test('parseCommandArgs: negative values parse; other parseArgs errors are one-line UsageErrors', () => {
  assert.equal(parseCommandArgs(['--batch', '-3'], OPTIONS).values.batch, '-3');
  const error = (argv: string[]): string => {
    try {
      parseCommandArgs(argv, OPTIONS);
    } catch (e) {
      assert.ok(e instanceof UsageError);
      return e.message;
    }
    assert.fail(`no error for ${argv.join(' ')}`);
  };
  assert.equal(error(['--batch', '-x']), "--batch needs a value; to give one that starts with '-', write --batch=VALUE");
  assert.equal(error(['--batch']), '--batch needs a value');
  assert.equal(error(['--json=1']), '--json is a switch and takes no value');
  assert.equal(error(['--bogus']), "Unknown option '--bogus' (see --help)");
  for (const argv of [['--batch', '-x'], ['--batch'], ['--bogus'], ['-q']]) assert.doesNotMatch(error(argv), /\n/);
});

test('c3d visualize --batch -3: one line naming the flag and what it takes, exit 2', () => {
  const r = c3d('visualize', 'v.mp4', '--out', 'unused', '--init', 'random', '--batch', '-3');
  assert.equal(r.code, 2);
  assert.equal(r.err, "c3d visualize: --batch must be a positive integer, got '-3'\n");
  assert.equal(r.out, '');
});

test('c3d eval: negative counts are rejected by name', () => {
  const fx = (n: string) => join(packageRoot, 'test', 'fixtures', 'eval', n);
  const r = c3d('eval', 'tsne', '--features', fx('svm_train.npy'), '--labels', fx('svm_train_labels.txt'), '--iterations', '-3');
  assert.equal(r.code, 2);
  assert.equal(r.err, "c3d eval: --iterations must be a positive integer, got '-3'\n");
  const p = c3d('eval', 'pca', '--train', fx('svm_train.npy'), '--train-labels', fx('svm_train_labels.txt'), '--test', fx('svm_test.npy'), '--test-labels', fx('svm_test_labels.txt'), '--dims', '10,-5');
  assert.equal(p.code, 2);
  assert.equal(p.err, "c3d eval: pca: --dims must be a comma-separated list of positive integers, got '10,-5'\n");
});
