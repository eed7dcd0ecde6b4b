/**
 * List files as the C3D Caffe release and MMAction2 write them: one video (or clip) per line.
 */
import { readdirSync, statSync } from 'node:fs';
import { dirname, extname, isAbsolute, join } from 'node:path';
import { type VideoDataset, type VideoItem, DatasetError } from './dataset.js';
import { asDatasetError, classCount, numericClasses } from './common.js';
import { VIDEO_EXTENSIONS } from '../features/inputs.js';
import { numberedLines } from '../eval/protocols/splits.js';
import { readFileOrThrow } from '../io/read-file.js';

/** How a list file's lines are read; see readListDataset. */
export type ListFormat = 'auto' | 'caffe' | 'mmaction' | 'plain';

/** One parsed line: its path (resolved), the middle column of 3-column lines, the label. */
interface Row {
  path: string;
  /** Start frame (caffe) or frame count (mmaction); absent on 2-column lines. */
  middle?: number;
  label: number;
  line: number;
  text: string;
}

const USAGE = '"PATH LABEL", "PATH START_FRAME LABEL" (Caffe) or "DIR N_FRAMES LABEL" (MMAction2 rawframes)';

/**
 * Frame files as counted for MMAction2 detection: ours (`%06d.jpg`) and MMAction2's default `img_%05d.jpg`,
 * so a rawframes list is recognised as such (and its folders then reported by checkDatasetFiles if our
 * decoder cannot read them) instead of being misread as Caffe start frames.
 */
const COUNTED_FRAME = /^(\d{6}|img_\d+)\.(jpg|jpeg|png)$/i;

type PathKind = 'file' | 'dir' | 'missing';

function pathKind(path: string): PathKind {
  try {
    const st = statSync(path);
    return st.isDirectory() ? 'dir' : 'file';
  } catch {
    return 'missing';
  }
}

/** A video file, for the format rule and Caffe's start numbering: a file, or a missing path with a video extension. */
function isVideoFile(path: string, kind: PathKind): boolean {
  return kind === 'file' || (kind === 'missing' && VIDEO_EXTENSIONS.has(extname(path).toLowerCase()));
}

function frameCount(dir: string): number {
  try {
    return readdirSync(dir).filter((n) => COUNTED_FRAME.test(n)).length;
  } catch {
    return -1;
  }
}

function parseRows(file: string, text: string): Row[] {
  const base = dirname(file);
  const rows: Row[] = [];
  for (const { text: l, line } of numberedLines(text)) {
    if (l.startsWith('#')) continue;
    const cols = l.split(/\s+/);
    const at = `${file}:${line}`;
    if (cols.length !== 2 && cols.length !== 3) throw new DatasetError(`${at}: expected ${USAGE}, got "${l}"`);
    const labelText = cols[cols.length - 1]!;
    if (!/^[+-]?\d+$/.test(labelText)) throw new DatasetError(`${at}: label '${labelText}' is not an integer in "${l}"`);
    let middle: number | undefined;
    if (cols.length === 3) {
      if (!/^\d+$/.test(cols[1]!)) throw new DatasetError(`${at}: second column '${cols[1]}' is not a non-negative integer (start frame or frame count) in "${l}"`);
      middle = Number(cols[1]);
    }
    const p = cols[0]!;
    rows.push({ path: isAbsolute(p) ? p : join(base, p), middle, label: Number(labelText), line, text: l });
  }
  if (rows.length === 0) throw new DatasetError(`${file}: no entries (expected ${USAGE} per line)`);
  const first = rows[0]!;
  const columns = (r: Row): number => (r.middle === undefined ? 2 : 3);
  const odd = rows.find((r) => columns(r) !== columns(first));
  if (odd) {
    throw new DatasetError(
      `${file}:${odd.line}: ${columns(odd)} columns ("${odd.text}") but ${file}:${first.line} has ${columns(first)} ("${first.text}"); ` +
        'a list file must be all "PATH LABEL" lines or all 3-column lines',
    );
  }
  return rows;
}

/** The auto rule for 3-column files (documented on readListDataset). */
function detectThreeColumn(rows: readonly Row[], kinds: Map<string, PathKind>): 'caffe' | 'mmaction' {
  const seen = new Set<string>();
  for (const r of rows) {
    if (seen.has(r.path)) return 'caffe';
    seen.add(r.path);
  }
  for (const r of rows) if (isVideoFile(r.path, kindOf(r.path, kinds))) return 'caffe';
  for (const r of rows) if (kindOf(r.path, kinds) !== 'dir' || frameCount(r.path) !== r.middle) return 'caffe';
  return 'mmaction';
}

function kindOf(path: string, kinds: Map<string, PathKind>): PathKind {
  let k = kinds.get(path);
  if (k === undefined) kinds.set(path, (k = pathKind(path)));
  return k;
}

/**
 * Reads a list file. Paths are relative to the list file's folder (absolute ones as is); labels are
 * 0-based integers; `#` lines and blank lines are skipped. Line formats:
 * - `caffe`: `PATH START_FRAME LABEL` — the C3D Caffe release, one clip per line. START_FRAME counts
 *   from 1 for a frames folder (`%06d.jpg` numbering) and from 0 for a video file; it becomes the
 *   0-based `start` of the item.
 * - `mmaction`: `DIR N_FRAMES LABEL` (MMAction2 rawframes list; N_FRAMES is not a start, the sampler
 *   picks the window) or `PATH LABEL` (MMAction2 video list).
 * - `plain`: `PATH LABEL` — one video, the sampler picks the window.
 * - `auto` (default): 2-column files are `plain`. 3-column files are `caffe` if any path appears on
 *   more than one line or any path is a video file (an existing file, or a missing path with a video
 *   extension); `mmaction` if every path is a folder whose count of frame files (`%06d.jpg` or
 *   MMAction2's `img_%05d.jpg`) equals its second column; otherwise `caffe`.
 * All lines of a file must have the same number of columns (neither release mixes them, and a mix
 * would read the middle column of some lines differently): a mix is an error naming both lines.
 * `classes` are `"0"`, `"1"`, … up to `opts.classes` or, without it, the largest label + 1. Errors
 * (DatasetError, `file:line` and the quoted line): a malformed line, a non-integer label, a label
 * outside [0, classes), start frame 0 for a frames folder.
 */
export function readListDataset(file: string, opts: { classes?: number; format?: ListFormat } = {}): VideoDataset {
  const text = asDatasetError(() => readFileOrThrow(file, 'utf8'));
  const rows = parseRows(file, text);
  const threeColumns = rows[0]!.middle !== undefined;
  const asked = opts.format ?? 'auto';
  if ((asked === 'plain' && threeColumns) || (asked === 'caffe' && !threeColumns)) {
    const want = asked === 'plain' ? '"PATH LABEL"' : '"PATH START_FRAME LABEL"';
    throw new DatasetError(`${file}:${rows[0]!.line}: format '${asked}' expects ${want} lines, got "${rows[0]!.text}"`);
  }
  const kinds = new Map<string, PathKind>();
  const format = asked !== 'auto' ? asked : !threeColumns ? 'plain' : detectThreeColumn(rows, kinds);

  const maxLabel = rows.reduce((m, r) => Math.max(m, r.label), 0);
  const k = classCount(maxLabel, opts.classes, file);
  const items: VideoItem[] = rows.map((r) => {
    const where = `${file}:${r.line}`;
    if (r.label < 0 || r.label >= k) throw new DatasetError(`${where}: label ${r.label} is outside [0, ${k}) (${k} classes) in "${r.text}"`);
    const item: VideoItem = { path: r.path, label: r.label, where };
    if (format === 'caffe') {
      const frames = !isVideoFile(r.path, kindOf(r.path, kinds));
      if (frames && r.middle === 0) {
        throw new DatasetError(`${where}: start frame 0 for frames folder ${r.path}: Caffe list files number frames from 1 (000001.jpg) in "${r.text}"`);
      }
      item.start = frames ? r.middle! - 1 : r.middle!;
    }
    return item;
  });
  return { kind: 'videos', classes: numericClasses(k), items, origin: `list file ${file} (${format} format, ${items.length} ${format === 'caffe' ? 'clips' : 'videos'})` };
}
