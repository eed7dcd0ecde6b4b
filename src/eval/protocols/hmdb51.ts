/**
 * HMDB51's official splits (testTrainMulti_7030_splits): one file per action and split,
 * `<action>_test_split<N>.txt`, lines "video.avi 1|2|0" with 1 = train, 2 = test, 0 = unused.
 * The class of a video is the action in its split file's name.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type VideoSplit, videoId, numberedLines } from './splits.js';
import { fsReason, readFileOrThrow } from '../../io/read-file.js';

/** One line of a `<action>_test_split<N>.txt` file. */
export interface Hmdb51SplitEntry {
  /** The video's file name as listed ("April_09_brush_hair_u_nm_np1_ba_goo_0.avi"). */
  file: string;
  /** Its action (class): the split file's name without `_test_split<N>.txt`. */
  action: string;
  /** 1 = train, 2 = test, 0 = unused. */
  part: 0 | 1 | 2;
  /** `split-file:line`, for messages. */
  where: string;
}

/**
 * Every line of split `n`'s files in `dir`, with the actions (sorted: the order of the split file
 * names) even when an action has no video in some part.
 */
export function readHmdb51SplitFiles(dir: string, n: number): { actions: string[]; entries: Hmdb51SplitEntry[] } {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new Error(`${dir}: cannot list (${fsReason(e)})`);
  }
  const suffix = `_test_split${n}.txt`;
  const files = names.filter((f) => f.endsWith(suffix)).sort();
  if (files.length === 0) throw new Error(`${dir}: no *${suffix} files`);
  const actions: string[] = [];
  const entries: Hmdb51SplitEntry[] = [];
  for (const f of files) {
    const action = f.slice(0, -suffix.length);
    const path = join(dir, f);
    actions.push(action);
    for (const { text: l, line } of numberedLines(readFileOrThrow(path, 'utf8'))) {
      const m = /^(\S+)\s+([012])$/.exec(l);
      if (!m) throw new Error(`${path}:${line}: expected "VIDEO 0|1|2", got "${l}"`);
      entries.push({ file: m[1]!, action, part: Number(m[2]) as 0 | 1 | 2, where: `${path}:${line}` });
    }
  }
  return { actions, entries };
}

/** Split `n` (1–3) from the folder of split files. */
export function readHmdb51Split(dir: string, n: number): VideoSplit {
  const split: VideoSplit = { name: `split${n}`, train: { ids: [], labels: [] }, test: { ids: [], labels: [] } };
  for (const e of readHmdb51SplitFiles(dir, n).entries) {
    const part = e.part === 1 ? split.train : e.part === 2 ? split.test : undefined;
    if (part) {
      part.ids.push(videoId(e.file));
      part.labels.push(e.action);
    }
  }
  return split;
}
