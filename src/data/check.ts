/**
 * Checks that every listed video is there before training starts: a missing file found after an hour
 * of training (or, in testing, after most of a split) wastes the hour; one found per run wastes one
 * run per missing file. So every path is checked and all bad ones are reported in one error.
 * Only existence and readability are checked here; decoding happens in the frame cache.
 */
import { constants } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import { type VideoDataset, DatasetError } from './dataset.js';
import { FRAME_FILE } from '../features/inputs.js';
import { fsReason } from '../io/read-file.js';

/** Why `path` cannot be read as a video (a non-empty readable file, or a folder of `%06d.jpg` frames), or undefined when it can. */
async function problemWith(path: string): Promise<string | undefined> {
  try {
    const st = await stat(path);
    if (st.isDirectory()) {
      const names = await readdir(path);
      return names.some((n) => FRAME_FILE.test(n)) ? undefined : 'folder without %06d.jpg frames';
    }
    if (!st.isFile()) return 'not a file';
    if (st.size === 0) return 'empty file';
    await access(path, constants.R_OK);
    return undefined;
  } catch (e) {
    return fsReason(e);
  }
}

/**
 * Stats every distinct path of `ds` (at most `opts.concurrency` at a time, default 32) and throws one
 * DatasetError listing the missing or unreadable ones, e.g.
 * `2 of 120 listed videos are missing or unreadable: list.txt:3 a.avi (ENOENT), list.txt:9 b (empty file)`
 * (`(first 20)` and `… (K more)` when there are more than `limit`).
 * A path listed on several lines (Caffe lists: one line per clip) counts once, named by its first line.
 * `opts.limit` (default 20) is how many are quoted; the count covers them all.
 */
export async function checkDatasetFiles(ds: VideoDataset, opts: { limit?: number; concurrency?: number } = {}): Promise<void> {
  const limit = opts.limit ?? 20;
  const concurrency = Math.max(1, opts.concurrency ?? 32);
  const firstWhere = new Map<string, string>();
  for (const it of ds.items) if (!firstWhere.has(it.path)) firstWhere.set(it.path, it.where);
  const paths = [...firstWhere.keys()];
  const problems: (string | undefined)[] = new Array(paths.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < paths.length) {
      const i = next++;
      problems[i] = await problemWith(paths[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, paths.length) }, worker));
  // Reported in listing order (not completion order), so messages are stable.
  const bad = paths.flatMap((p, i) => {
    if (problems[i] === undefined) return [];
    const where = firstWhere.get(p)!;
    return [`${where === p ? p : `${where} ${p}`} (${problems[i]})`];
  });
  if (bad.length === 0) return;
  const more = bad.length > limit;
  const shown = bad.slice(0, limit).join(', ') + (more ? `, … (${bad.length - limit} more)` : '');
  throw new DatasetError(`${bad.length} of ${paths.length} listed videos are missing or unreadable${more ? ` (first ${limit})` : ''}: ${shown}`);
}
