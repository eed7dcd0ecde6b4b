/**
 * HMDB51's official splits (testTrainMulti_7030_splits): one file per action and split,
 * `<action>_test_split<N>.txt`, lines "video.avi 1|2|0" with 1 = train, 2 = test, 0 = unused.
 * The class of a video is the action in its split file's name.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type VideoSplit, videoId, lines } from './splits.js';
import { fsReason } from '../../io/read-file.js';

/** Split `n` (1–3) from the folder of split files. */
export function readHmdb51Split(dir: string, n: number): VideoSplit {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new Error(`${dir}: cannot list (${fsReason(e)})`);
  }
  const suffix = `_test_split${n}.txt`;
  const files = names.filter((f) => f.endsWith(suffix)).sort();
  if (files.length === 0) throw new Error(`${dir}: no *${suffix} files`);
  const split: VideoSplit = { name: `split${n}`, train: { ids: [], labels: [] }, test: { ids: [], labels: [] } };
  for (const f of files) {
    const action = f.slice(0, -suffix.length);
    lines(readFileSync(join(dir, f), 'utf8')).forEach((l, k) => {
      const m = /^(\S+)\s+([012])$/.exec(l);
      if (!m) throw new Error(`${join(dir, f)}:${k + 1}: expected "VIDEO 0|1|2", got "${l}"`);
      const part = m[2] === '1' ? split.train : m[2] === '2' ? split.test : undefined;
      if (part) {
        part.ids.push(videoId(m[1]!));
        part.labels.push(action);
      }
    });
  }
  return split;
}
