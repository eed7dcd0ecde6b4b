/**
 * UCF101's official splits (ucfTrainTestlist): classInd.txt ("1 ApplyEyeMakeup"), trainlist0N.txt
 * ("ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi 1") and testlist0N.txt ("ApplyEyeMakeup/v_…avi").
 * The class of a video is the folder part of its path, checked against classInd.txt.
 */
import { join } from 'node:path';
import { type VideoSplit, videoId, numberedLines } from './splits.js';
import { readFileOrThrow } from '../../io/read-file.js';

const read = (path: string): string => readFileOrThrow(path, 'utf8');

/** classInd.txt → class names by index (1-based in the file). */
export function readClassInd(path: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const { text: l, line } of numberedLines(read(path))) {
    const m = /^(\d+)\s+(\S+)$/.exec(l);
    if (!m) throw new Error(`${path}:${line}: expected "INDEX CLASS", got "${l}"`);
    out.set(Number(m[1]), m[2]!);
  }
  return out;
}

/** One video line of a trainlist0N.txt / testlist0N.txt file. */
export interface Ucf101ListEntry {
  /** The path as listed, relative to the UCF101 video root: "ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi". */
  file: string;
  /** Its class, spelled as in classInd.txt (whatever the case of the listed folder). */
  label: string;
  /** 1-based line number in the list file. */
  line: number;
}

/**
 * Reads a trainlist ("PATH INDEX") or testlist ("PATH") file: the class is the index when given, else
 * the folder part of the path, checked against classInd.txt. Videos of unknown class are reported
 * together in one error.
 */
export function readUcf101List(path: string, classes: Map<number, string>): Ucf101ListEntry[] {
  // Folder names are matched case-insensitively: the official lists spell some classes differently
  // in places (e.g. HandstandPushups / HandStandPushups).
  const known = new Map([...classes.values()].map((c) => [c.toLowerCase(), c]));
  const out: Ucf101ListEntry[] = [];
  const unknown: string[] = [];
  for (const { text: l, line } of numberedLines(read(path))) {
    const [file, index] = l.split(/\s+/);
    const folder = file!.includes('/') ? file!.split('/')[0]! : undefined;
    const byIndex = index !== undefined ? classes.get(Number(index)) : undefined;
    if (index !== undefined && byIndex === undefined) throw new Error(`${path}:${line}: class index ${index} is not in classInd.txt`);
    const label = byIndex ?? (folder !== undefined ? known.get(folder.toLowerCase()) : undefined);
    if (label === undefined) {
      unknown.push(file!);
      continue;
    }
    if (byIndex !== undefined && folder !== undefined && folder.toLowerCase() !== byIndex.toLowerCase()) {
      throw new Error(`${path}:${line}: folder '${folder}' disagrees with class index ${index} ('${byIndex}')`);
    }
    out.push({ file: file!, label, line });
  }
  if (unknown.length > 0) throw new Error(`${path}: ${unknown.length} video(s) of unknown class: ${unknown.slice(0, 10).join(', ')}`);
  return out;
}

function parseList(path: string, classes: Map<number, string>): { ids: string[]; labels: string[] } {
  const entries = readUcf101List(path, classes);
  return { ids: entries.map((e) => videoId(e.file)), labels: entries.map((e) => e.label) };
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
