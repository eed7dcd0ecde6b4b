/**
 * Where `c3d train` / `c3d test` get their videos: a folder of class folders, the official UCF101 and
 * HMDB51 split files, preprocessed clip arrays (list files: ./list-file.ts), and the checks that make
 * a bad dataset fail before training starts rather than hours into it.
 *
 * Every reader throws `DatasetError` with a one-line message naming the file (and line).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type ClipsDataset, type Dataset, type VideoDataset, type VideoItem, DatasetError, datasetSize, itemLabel } from './dataset.js';
import { VIDEO_EXTENSIONS, findVideos } from '../features/inputs.js';
import { readClassInd, readUcf101List } from '../eval/protocols/ucf101.js';
import { readHmdb51SplitFiles } from '../eval/protocols/hmdb51.js';
import { readNpy, type NpyArray } from '../io/npy.js';
import { fsReason } from '../io/read-file.js';
import { asDatasetError, classCount, listSome, numericClasses } from './common.js';

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * A folder of class folders (`DIR/<class>/**` videos, as ImageFolder-style datasets are laid out).
 * `classes` are the class folder names in sorted (code-unit) order and a video's label is its folder's
 * index there. Videos are found recursively by extension (src/features/inputs.ts VIDEO_EXTENSIONS);
 * a folder of `%06d.jpg` frames is one video. Hidden folders and files directly in DIR are ignored.
 * Errors: DIR cannot be listed, has no class folders, or a class folder has no videos (all named).
 */
export function readFolderDataset(dir: string): VideoDataset {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new DatasetError(`${dir}: cannot list the dataset folder (${fsReason(e)})`);
  }
  const classes = names.filter((n) => !n.startsWith('.') && isDir(join(dir, n))).sort();
  if (classes.length === 0) throw new DatasetError(`${dir}: no class folders (expected one folder of videos per class)`);
  const items: VideoItem[] = [];
  const empty: string[] = [];
  classes.forEach((c, label) => {
    const videos = findVideos(join(dir, c));
    if (videos.length === 0) empty.push(c);
    for (const v of videos) items.push({ path: v.path, label, where: v.path });
  });
  if (empty.length > 0) {
    throw new DatasetError(
      `${dir}: ${empty.length} class folder(s) have no videos: ${listSome(empty)} (looked for ${[...VIDEO_EXTENSIONS].join(' ')} files and %06d.jpg frames folders)`,
    );
  }
  return { kind: 'videos', classes, items, origin: `class folders in ${dir} (${classes.length} classes, ${items.length} videos)` };
}

function checkSplitNumber(split: number, where: string): void {
  if (!Number.isInteger(split) || split < 1) throw new DatasetError(`${where}: split must be a positive integer (1, 2 or 3), got ${split}`);
}

/** `root/rel`, or `root/<sub>/rel` when only that one exists (the archives unpack into a subfolder). */
function underRoot(root: string, sub: string, rel: string): string {
  const direct = join(root, rel);
  if (existsSync(direct)) return direct;
  const nested = join(root, sub, rel);
  return existsSync(nested) ? nested : direct;
}

/**
 * UCF101 with its official splits: classInd.txt, trainlist0N.txt and testlist0N.txt, found in ROOT or
 * ROOT/ucfTrainTestlist (parsed by src/eval/protocols/ucf101.ts). Listed paths are relative to ROOT,
 * or to ROOT/UCF-101 when the video is there. `classes` are all classInd.txt names in index order and
 * labels are classInd index − 1; list folders are matched to classInd names case-insensitively (the
 * official lists spell HandstandPushups / HandStandPushups both ways). A class with no video in the
 * chosen list is an error. Missing videos are not checked here: see checkDatasetFiles.
 */
export function readUcf101Dataset(root: string, split: number, part: 'train' | 'test'): VideoDataset {
  checkSplitNumber(split, root);
  const listDir = [root, join(root, 'ucfTrainTestlist')].find((d) => existsSync(join(d, 'classInd.txt')));
  if (listDir === undefined) {
    throw new DatasetError(`${root}: no classInd.txt here or in ${join(root, 'ucfTrainTestlist')} (UCF101's split files, ucfTrainTestlist/)`);
  }
  const indPath = join(listDir, 'classInd.txt');
  const byIndex = asDatasetError(() => readClassInd(indPath));
  const classes: string[] = [];
  for (let i = 1; i <= byIndex.size; i++) {
    const name = byIndex.get(i);
    if (name === undefined) throw new DatasetError(`${indPath}: class indices must run 1..${byIndex.size} without gaps; ${i} is missing`);
    if (classes.some((c) => c.toLowerCase() === name.toLowerCase())) throw new DatasetError(`${indPath}: class '${name}' is listed twice`);
    classes.push(name);
  }
  const labelOf = new Map(classes.map((c, i) => [c, i]));
  const listPath = join(listDir, `${part}list0${split}.txt`);
  const entries = asDatasetError(() => readUcf101List(listPath, byIndex));
  const items: VideoItem[] = entries.map((e) => ({
    path: underRoot(root, 'UCF-101', e.file),
    label: labelOf.get(e.label)!,
    where: `${listPath}:${e.line}`,
  }));
  requireEveryClass(classes, items, `${listPath}: `, 'video in this list');
  return { kind: 'videos', classes, items, origin: `UCF101 split ${split} ${part} (${root})` };
}

/**
 * HMDB51 with its official splits: `<class>_test_split<N>.txt` (lines "video.avi 1|2|0": 1 = train,
 * 2 = test, 0 = unused) in ROOT/testTrainMulti_7030_splits or ROOT (parsed by
 * src/eval/protocols/hmdb51.ts). Videos are ROOT/<class>/<file>, or ROOT/hmdb51_org/<class>/<file>
 * when there. `classes` are the class names in sorted order. A class with no video in the chosen
 * part is an error naming its split file.
 */
export function readHmdb51Dataset(root: string, split: number, part: 'train' | 'test'): VideoDataset {
  checkSplitNumber(split, root);
  const sub = join(root, 'testTrainMulti_7030_splits');
  const splitDir = isDir(sub) ? sub : root;
  const suffix = `_test_split${split}.txt`;
  let names: string[] = [];
  try {
    names = readdirSync(splitDir);
  } catch (e) {
    throw new DatasetError(`${splitDir}: cannot list the HMDB51 folder (${fsReason(e)})`);
  }
  if (!names.some((n) => n.endsWith(suffix))) {
    throw new DatasetError(`${root}: no *${suffix} files here or in ${sub} (HMDB51's split files, testTrainMulti_7030_splits/)`);
  }
  const { actions, entries } = asDatasetError(() => readHmdb51SplitFiles(splitDir, split));
  const labelOf = new Map(actions.map((a, i) => [a, i]));
  const want = part === 'train' ? 1 : 2;
  const items: VideoItem[] = entries
    .filter((e) => e.part === want)
    .map((e) => ({ path: underRoot(root, 'hmdb51_org', join(e.action, e.file)), label: labelOf.get(e.action)!, where: e.where }));
  const counts = countLabels(actions.length, items);
  const empty = actions.filter((_, i) => counts[i] === 0);
  if (empty.length > 0) {
    const files = empty.map((a) => join(splitDir, `${a}_test_split${split}.txt`));
    throw new DatasetError(`${files.length} HMDB51 split file(s) mark no video ${want} (${part}): ${listSome(files)}`);
  }
  return { kind: 'videos', classes: actions, items, origin: `HMDB51 split ${split} ${part} (${root})` };
}

function countLabels(classes: number, items: readonly { label: number }[]): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const it of items) if (it.label >= 0 && it.label < classes) counts[it.label]!++;
  return counts;
}

function requireEveryClass(classes: readonly string[], items: readonly { label: number }[], prefix: string, what: string): void {
  const counts = countLabels(classes.length, items);
  const empty = classes.map((c, i) => (counts[i] !== 0 ? '' : c === String(i) ? c : `${c} (label ${i})`)).filter((s) => s !== '');
  if (empty.length > 0) throw new DatasetError(`${prefix}${empty.length} of ${classes.length} classes have no ${what}: ${listSome(empty)}`);
}

/**
 * Checks a training set before training: every label in [0, classes) (naming the item's `file:line`)
 * and every class with at least one item (a class with none can never be learnt, and its output unit
 * is silently untrained). Throws DatasetError naming the dataset's origin.
 */
export function checkEveryClassHasItems(ds: Dataset): void {
  const k = ds.classes.length;
  const n = datasetSize(ds);
  for (let i = 0; i < n; i++) {
    const label = itemLabel(ds, i);
    if (!Number.isInteger(label) || label < 0 || label >= k) {
      const where = ds.kind === 'videos' ? ds.items[i]!.where : `${ds.origin}: clip ${i}`;
      throw new DatasetError(`${where}: label ${label} is outside [0, ${k}) (${k} classes)`);
    }
  }
  const labels = ds.kind === 'videos' ? ds.items : Array.from(ds.labels, (label) => ({ label }));
  requireEveryClass(ds.classes, labels, `${ds.origin}: `, ds.kind === 'videos' ? 'video to train on' : 'clip to train on');
}

/**
 * Training and validation must mean the same thing by each label: same class count and names, in
 * the same order. Throws a one-line DatasetError naming both sources and the first difference.
 */
export function checkClasses(train: Dataset, val: Dataset, trainWhere: string, valWhere: string): void {
  const a = train.classes;
  const b = val.classes;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) {
      const show = (c: string | undefined): string => (c === undefined ? 'nothing' : `'${c}'`);
      throw new DatasetError(
        `class lists differ: ${trainWhere} has ${a.length} classes, ${valWhere} has ${b.length}; first difference at label ${i}: ${show(a[i])} vs ${show(b[i])}`,
      );
    }
  }
}

function readNpyOrThrow(path: string): NpyArray {
  return asDatasetError(() => readNpy(path));
}

/**
 * Preprocessed clips: X a float32 .npy of shape (N, C, L, H, W), Y a .npy of N integer labels (shape
 * (N) or (N, 1); int32, int64 — numpy's default —, uint8, or float values that are exact integers).
 * Labels must lie in [0, classes) where classes = opts.classes or max label + 1 (names "0", "1", …).
 * Clips are used as given (no crop, flip or mean).
 */
export function readClipsDataset(clipsNpy: string, labelsNpy: string, opts: { classes?: number } = {}): ClipsDataset {
  const x = readNpyOrThrow(clipsNpy);
  if (x.dtype !== 'float32') throw new DatasetError(`${clipsNpy}: clips must be float32, got ${x.dtype}`);
  if (x.shape.length !== 5) throw new DatasetError(`${clipsNpy}: clips must have shape (N, C, L, H, W), got (${x.shape.join(', ')})`);
  const y = readNpyOrThrow(labelsNpy);
  if (!(y.shape.length === 1 || (y.shape.length === 2 && y.shape[1] === 1))) {
    throw new DatasetError(`${labelsNpy}: labels must have shape (N) or (N, 1), got (${y.shape.join(', ')})`);
  }
  const n = x.shape[0]!;
  if (y.shape[0] !== n) throw new DatasetError(`${labelsNpy}: ${y.shape[0]} labels for ${n} clips in ${clipsNpy}`);
  if (n === 0) throw new DatasetError(`${clipsNpy}: no clips`);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = y.data[i]!;
    if (!Number.isInteger(v)) throw new DatasetError(`${labelsNpy}: label ${v} at index ${i} is not an integer`);
    if (v < 0) throw new DatasetError(`${labelsNpy}: label ${v} at index ${i} is negative`);
    labels[i] = v;
  }
  const k = classCount(labels.reduce((m, v) => Math.max(m, v), 0), opts.classes, labelsNpy);
  const bad = labels.findIndex((v) => v >= k);
  if (bad >= 0) throw new DatasetError(`${labelsNpy}: label ${labels[bad]} at index ${bad} is outside [0, ${k}) (${k} classes)`);
  return {
    kind: 'clips',
    classes: numericClasses(k),
    clips: x.data as Float32Array,
    shape: x.shape as [number, number, number, number, number],
    labels,
    origin: `clips ${clipsNpy} (${x.shape.join('×')}), labels ${labelsNpy}`,
  };
}
