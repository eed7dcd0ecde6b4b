/**
 * UCF101's official splits (ucfTrainTestlist): classInd.txt ("1 ApplyEyeMakeup"), trainlist0N.txt
 * ("ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi 1") and testlist0N.txt ("ApplyEyeMakeup/v_…avi").
 * The class of a video is the folder part of its path, checked against classInd.txt.
 */
import { join } from 'node:path';
import { type VideoSplit, videoId, lines } from './splits.js';
import { readFileOrThrow } from '../../io/read-file.js';

const read = (path: string): string => readFileOrThrow(path, 'utf8');

/** classInd.txt → class names by index (1-based in the file). */
export function readClassInd(path: string): Map<number, string> {
  const out = new Map<number, string>();
  lines(read(path)).forEach((l, n) => {
    const m = /^(\d+)\s+(\S+)$/.exec(l);
    if (!m) throw new Error(`${path}:${n + 1}: expected "INDEX CLASS", got "${l}"`);
    out.set(Number(m[1]), m[2]!);
  });
  return out;
}

function parseList(path: string, classes: Map<number, string>): { ids: string[]; labels: string[] } {
  // Folder names are matched case-insensitively: the official lists spell some classes differently
  // in places (e.g. HandstandPushups / HandStandPushups).
  const known = new Map([...classes.values()].map((c) => [c.toLowerCase(), c]));
  const ids: string[] = [];
  const labels: string[] = [];
  const unknown: string[] = [];
  lines(read(path)).forEach((l, n) => {
    const [file, index] = l.split(/\s+/);
    const folder = file!.includes('/') ? file!.split('/')[0]! : undefined;
    const byIndex = index !== undefined ? classes.get(Number(index)) : undefined;
    if (index !== undefined && byIndex === undefined) throw new Error(`${path}:${n + 1}: class index ${index} is not in classInd.txt`);
    const label = byIndex ?? (folder !== undefined ? known.get(folder.toLowerCase()) : undefined);
    if (label === undefined) {
      unknown.push(file!);
      return;
    }
    if (byIndex !== undefined && folder !== undefined && folder.toLowerCase() !== byIndex.toLowerCase()) {
      throw new Error(`${path}:${n + 1}: folder '${folder}' disagrees with class index ${index} ('${byIndex}')`);
    }
    ids.push(videoId(file!));
    labels.push(label);
  });
  if (unknown.length > 0) throw new Error(`${path}: ${unknown.length} video(s) of unknown class: ${unknown.slice(0, 10).join(', ')}`);
  return { ids, labels };
}

/** Split `n` (1–3) from the folder holding classInd.txt, trainlist0n.txt, testlist0n.txt. */
export function readUcf101Split(dir: string, n: number): VideoSplit {
  const classes = readClassInd(join(dir, 'classInd.txt'));
  return {
    name: `split${n}`,
    train: parseList(join(dir, `trainlist0${n}.txt`), classes),
    test: parseList(join(dir, `testlist0${n}.txt`), classes),
  };
}
