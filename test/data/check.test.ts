import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatasetError, checkDatasetFiles, readFolderDataset, readListDataset } from '../../src/data/index.js';
import { framesDir, tempDir, touch } from './helpers.js';

test('checkDatasetFiles passes when every listed video is a non-empty file or a frames folder', async () => {
  const dir = tempDir();
  touch(join(dir, 'a', 'v.avi'));
  framesDir(join(dir, 'b', 'clip'), 2);
  await checkDatasetFiles(readFolderDataset(dir));
  await checkDatasetFiles(readListDataset(touch(join(dir, 'l.txt'), 'a/v.avi 0 0\na/v.avi 16 0\nb/clip 1 1\n')));
});

test('checkDatasetFiles reports every missing or unreadable video at once, on one line, in list order', async () => {
  const dir = tempDir();
  touch(join(dir, 'ok.avi'));
  touch(join(dir, 'empty.avi'), '');
  mkdirSync(join(dir, 'noframes'));
  touch(join(dir, 'noframes', 'img_00001.jpg'));
  framesDir(join(dir, 'frames'), 3);
  const list = touch(
    join(dir, 'list.txt'),
    ['ok.avi 0 0', 'gone.avi 0 0', 'gone.avi 16 0', 'empty.avi 0 1', 'frames 1 1', 'noframes 1 1', 'also-gone.mp4 0 1'].join('\n'),
  );
  const ds = readListDataset(list);
  await assert.rejects(checkDatasetFiles(ds), (e: unknown) => {
    assert.ok(e instanceof DatasetError);
    assert.equal(
      e.message,
      `4 of 6 listed videos are missing or unreadable: ${list}:2 ${join(dir, 'gone.avi')} (ENOENT), ${list}:4 ${join(dir, 'empty.avi')} (empty file), ` +
        `${list}:6 ${join(dir, 'noframes')} (folder without %06d.jpg frames), ${list}:7 ${join(dir, 'also-gone.mp4')} (ENOENT)`,
    );
    return true;
  });
  // Truncated to `limit`, with the count of the rest; still one line. Concurrency 1 gives the same report.
  await assert.rejects(checkDatasetFiles(ds, { limit: 2, concurrency: 1 }), (e: unknown) => {
    assert.ok(e instanceof DatasetError);
    assert.match(e.message, /^4 of 6 listed videos are missing or unreadable \(first 2\): .*list\.txt:2 .*gone\.avi \(ENOENT\), .*list\.txt:4 .*empty\.avi \(empty file\), … \(2 more\)$/);
    return true;
  });
});

test('checkDatasetFiles names folder-dataset videos once (where is the path)', async () => {
  const dir = tempDir();
  touch(join(dir, 'run', 'a.avi'), '');
  await assert.rejects(checkDatasetFiles(readFolderDataset(dir)), (e: unknown) => {
    assert.ok(e instanceof DatasetError);
    assert.equal(e.message, `1 of 1 listed videos are missing or unreadable: ${join(dir, 'run', 'a.avi')} (empty file)`);
    return true;
  });
});
