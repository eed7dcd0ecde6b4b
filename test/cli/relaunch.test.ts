/**
 * `c3d train` on Linux relaunches itself with glibc's malloc settings for training
 * (src/cli/relaunch.ts): when, with what environment, and that the child's exit code comes back.
 * (test/train/cli-finetune.test.ts sends SIGTERM to a relaunched `c3d train` and checks the
 * checkpoint the child saves.)
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { relaunchEnv } from '../../src/cli/relaunch.js';
import { TRAINING_GLIBC_TUNABLES } from '../../src/train/malloc-tunables.js';
import { join } from 'node:path';
import { c3d, tempDir } from './run-cli.js';

test('relaunchEnv: train on Linux without GLIBC_TUNABLES gets the training tunables; nothing else is relaunched', () => {
  assert.deepEqual(relaunchEnv('train', { PATH: '/bin' }, 'linux'), { PATH: '/bin', GLIBC_TUNABLES: TRAINING_GLIBC_TUNABLES });
  assert.equal(relaunchEnv('extract', { PATH: '/bin' }, 'linux'), null);
  assert.equal(relaunchEnv('train', { PATH: '/bin' }, 'darwin'), null);
  assert.equal(relaunchEnv('train', { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }, 'linux'), null, "the user's own tunables win");
  assert.equal(relaunchEnv('train', { C3D_NO_RELAUNCH: '1' }, 'linux'), null);
  assert.equal(TRAINING_GLIBC_TUNABLES, 'glibc.malloc.mmap_threshold=4194304');
});

test('a relaunched c3d train hands back its exit code and its one-line error', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);
  const missing = c3d('train', '--clips', '/nonexistent/clips.npy', '--labels', '/nonexistent/labels.npy', '--iters', '1', '--out', join(dir, 'run'));
  assert.equal(missing.code, 1, missing.err);
  assert.equal(missing.err, 'c3d train: /nonexistent/clips.npy: cannot read (ENOENT)\n');
  const usage = c3d('train', '--iters', '1');
  assert.equal(usage.code, 2, usage.err);
  assert.match(usage.err, /^c3d train: no data: /);
});
