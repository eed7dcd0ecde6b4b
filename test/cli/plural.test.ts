import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nounFor, plural } from '../../src/cli/plural.js';

test('plural: singular only for exactly 1; -es after s/x/ch/sh; irregular plurals given', () => {
  assert.equal(plural(1, 'video'), '1 video');
  assert.equal(plural(0, 'video'), '0 videos');
  assert.equal(plural(3, 'clip'), '3 clips');
  assert.equal(plural(1, 'class'), '1 class');
  assert.equal(plural(2, 'motion class'), '2 motion classes');
  assert.equal(plural(2, 'index', 'indices'), '2 indices');
  assert.equal(nounFor(1, 'video'), 'video');
  assert.equal(nounFor(12, 'video'), 'videos');
});
