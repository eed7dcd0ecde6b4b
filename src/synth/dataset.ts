/**
 * Writes a synthetic motion data set in UCF101's layout, so every reader of UCF101 splits
 * (src/data/sources.ts readUcf101Dataset, `c3d train --ucf101 OUT --split 1`, the eval protocols)
 * takes it unchanged:
 *
 *   OUT/synth.json                  what made the folder (seed, frames, size, fps, crf, generator version)
 *   OUT/classInd.txt                "1 MoveRightSlow" — classes in the order asked for
 *   OUT/trainlist01.txt             "MoveRightSlow/MoveRightSlow_0001.mp4 1"
 *   OUT/testlist01.txt              "MoveRightSlow/MoveRightSlow_0002.mp4"
 *   OUT/<Class>/<Class>_<nnnn>.mp4  n from 1, zero-padded to 4 digits
 *
 * File names carry the class (as UCF101's v_<Class>_gNN_cNN.avi do) because the protocols key
 * videos by file name without folder. Runs are resumable: a video already at its final name (written
 * whole, temp + rename) is kept, and the same seed renders the same content, so an interrupted or
 * extended run (more videos, more classes) finishes the same data set. The split lists are written
 * last.
 */
import { availableParallelism } from 'node:os';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SeededRandom, mixSeed } from '../nn/random.js';
import { writeBytesAtomic } from '../io/atomic.js';
import { fsReason, readFileOrThrow } from '../io/read-file.js';
import { synthClass } from './classes.js';
import { checkGeometry, classKey, sampleScene, videoSeed } from './scene.js';
import { renderVideo } from './render.js';
import { TEMP_SUFFIX, encodeMp4 } from './encode.js';

/** Bumped whenever the same seed would render different videos: a folder made by another version is refused. */
export const SYNTH_GENERATOR_VERSION = 1;

/** Defaults of `c3d synth`: C3D's frame geometry (171×128, W×H), 32 frames (two 16-frame clips) at 25 fps. */
export const SYNTH_DEFAULTS = { videos: 20, frames: 32, width: 171, height: 128, fps: 25, seed: 1, testFraction: 0.3, crf: 20 } as const;

export interface SynthDatasetOptions {
  /** Output folder: new, empty, or made earlier by the same options. */
  out: string;
  /** Class names (see classes.ts), in classInd.txt order. */
  classes: readonly string[];
  /** Videos per class. */
  videos?: number;
  frames?: number;
  width?: number;
  height?: number;
  fps?: number;
  seed?: number;
  /** Fraction of each class's videos in testlist01.txt (rounded; at least one each side when > 0). */
  testFraction?: number;
  /** x264 constant rate factor. */
  crf?: number;
  /** Videos rendered and encoded at once (default: the CPU count). */
  jobs?: number;
  ffmpeg?: string;
  /** Called after every video (made or found). */
  onProgress?: (p: SynthProgress) => void;
}

export interface SynthProgress {
  done: number;
  total: number;
  /** Videos rendered and encoded by this run. */
  made: number;
  /** Videos that were already there. */
  kept: number;
}

export interface SynthSummary extends SynthProgress {
  out: string;
  classes: string[];
  train: number;
  test: number;
  seconds: number;
}

/** What synth.json records; a folder is only extended by a run with the same values. */
interface Manifest {
  generator: 'c3d synth';
  version: number;
  seed: number;
  frames: number;
  width: number;
  height: number;
  fps: number;
  crf: number;
  classes?: string[];
  videos?: number;
}

const MANIFEST = 'synth.json';
const FIXED_KEYS = ['version', 'seed', 'frames', 'width', 'height', 'fps', 'crf'] as const;

/** File name of video `n` (from 1) of a class: `<Class>_<nnnn>.mp4`. */
export function synthVideoName(className: string, n: number): string {
  return `${className}_${String(n).padStart(4, '0')}.mp4`;
}

/**
 * Which of a class's videos (numbers 1..videos) are test videos: round(videos · testFraction) of
 * them — at least one, and one left for training, when testFraction > 0 — chosen by a shuffle seeded
 * with (seed, class). Sorted.
 */
export function synthSplit(seed: number, className: string, videos: number, testFraction: number): { train: number[]; test: number[] } {
  if (!(testFraction >= 0 && testFraction < 1)) throw new RangeError(`test fraction must be in [0, 1), got ${testFraction}`);
  if (testFraction > 0 && videos < 2) throw new RangeError(`${videos} video per class cannot be split into train and test; make at least 2 or use test fraction 0`);
  const nTest = testFraction > 0 ? Math.min(videos - 1, Math.max(1, Math.round(videos * testFraction))) : 0;
  const order = Array.from({ length: videos }, (_, i) => i + 1);
  const rng = new SeededRandom(mixSeed(seed, classKey(className), 0, 1));
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.uint32() % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const byNumber = (a: number, b: number): number => a - b;
  return { test: order.slice(0, nTest).sort(byNumber), train: order.slice(nTest).sort(byNumber) };
}

function checkInteger(name: string, v: number, lo: number, hi: number): void {
  if (!Number.isSafeInteger(v) || v < lo || v > hi) throw new RangeError(`${name} must be an integer in [${lo}, ${hi}], got ${v}`);
}

/** Is process `pid` alive? (Temp files of a live run are left alone.) */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes `*.tmp-PID-N` files that a killed run left in `dir`. */
function removeStaleTemps(dir: string): void {
  for (const name of readdirSync(dir)) {
    const m = TEMP_SUFFIX.exec(name);
    if (m && !alive(Number(m[1]))) rmSync(join(dir, name), { force: true });
  }
}

/** Reads and checks OUT before anything is written: a folder we made with the same options, or a new/empty one. */
function prepareOut(out: string, manifest: Manifest): void {
  let st;
  try {
    st = statSync(out);
  } catch {
    st = undefined;
  }
  if (st !== undefined && !st.isDirectory()) throw new Error(`${out}: is a file, not a folder`);
  const manifestPath = join(out, MANIFEST);
  if (st !== undefined && existsSync(manifestPath)) {
    let old: Partial<Manifest>;
    try {
      old = JSON.parse(readFileOrThrow(manifestPath, 'utf8')) as Partial<Manifest>;
    } catch (e) {
      throw new Error(`${manifestPath}: not a c3d synth manifest (${(e as Error).message})`);
    }
    if (old.generator !== 'c3d synth') throw new Error(`${manifestPath}: not a c3d synth manifest (no "generator": "c3d synth")`);
    const differ = FIXED_KEYS.filter((k) => old[k] !== manifest[k]);
    if (differ.length > 0) {
      const show = (m: Partial<Manifest>): string => differ.map((k) => `${k} ${m[k]}`).join(', ');
      throw new Error(`${manifestPath}: this folder holds videos made with ${show(old)}, not ${show(manifest)}; use the same options to extend it, or another folder`);
    }
  } else if (st !== undefined && readdirSync(out).length > 0) {
    throw new Error(`${out}: folder is not empty and has no ${MANIFEST} (not made by c3d synth); give a new or empty folder`);
  }
  try {
    mkdirSync(out, { recursive: true });
  } catch (e) {
    throw new Error(`${out}: cannot create the folder (${fsReason(e)})`);
  }
}

/**
 * Renders and encodes `videos` videos per class into `out` (layout above), then writes classInd.txt,
 * trainlist01.txt and testlist01.txt. Video n of class C is sampleScene(C, videoSeed(seed, C, n)):
 * independent of the other classes asked for and of the order of work. Throws a one-line error
 * naming the file on bad options, a foreign or mismatched OUT, or a failed encode.
 */
export async function generateSynthDataset(opts: SynthDatasetOptions): Promise<SynthSummary> {
  const t0 = performance.now();
  const d = SYNTH_DEFAULTS;
  const videos = opts.videos ?? d.videos;
  const geometry = { width: opts.width ?? d.width, height: opts.height ?? d.height, frames: opts.frames ?? d.frames };
  const fps = opts.fps ?? d.fps;
  const seed = opts.seed ?? d.seed;
  const crf = opts.crf ?? d.crf;
  const testFraction = opts.testFraction ?? d.testFraction;
  const jobs = opts.jobs ?? availableParallelism();
  checkGeometry(geometry);
  checkInteger('videos per class', videos, 1, 1_000_000);
  checkInteger('seed', seed, 0, 0xffffffff);
  checkInteger('jobs', jobs, 1, 256);
  checkInteger('crf', crf, 0, 51);
  if (!(fps > 0 && fps <= 1000)) throw new RangeError(`fps must be in (0, 1000], got ${fps}`);
  if (opts.classes.length === 0) throw new RangeError('no classes to generate');
  const classes = opts.classes.map((c) => synthClass(c).name);
  const twice = classes.find((c, i) => classes.indexOf(c) !== i);
  if (twice !== undefined) throw new RangeError(`class ${twice} is given twice`);
  const splits = classes.map((c) => synthSplit(seed, c, videos, testFraction));

  const manifest: Manifest = { generator: 'c3d synth', version: SYNTH_GENERATOR_VERSION, seed, frames: geometry.frames, width: geometry.width, height: geometry.height, fps, crf };
  const out = opts.out;
  prepareOut(out, manifest);
  const manifestPath = join(out, MANIFEST);
  if (!existsSync(manifestPath)) writeBytesAtomic(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  for (const c of classes) {
    const dir = join(out, c);
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new Error(`${dir}: cannot create the folder (${fsReason(e)})`);
    }
    removeStaleTemps(dir);
  }

  const tasks = classes.flatMap((c) => Array.from({ length: videos }, (_, i) => ({ className: c, n: i + 1 })));
  const progress: SynthProgress = { done: 0, total: tasks.length, made: 0, kept: 0 };
  let next = 0;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < tasks.length) {
      const { className, n } = tasks[next++]!;
      const path = join(out, className, synthVideoName(className, n));
      try {
        if (existsSync(path)) {
          progress.kept++;
        } else {
          // Rendering is synchronous; while this worker renders, the others' ffmpeg processes encode.
          const frames = renderVideo(sampleScene(className, videoSeed(seed, className, n), geometry), 'rgb');
          await encodeMp4(frames, path, { width: geometry.width, height: geometry.height, fps, crf, order: 'rgb', ffmpeg: opts.ffmpeg });
          progress.made++;
        }
      } catch (e) {
        failure ??= e;
        return;
      }
      progress.done++;
      opts.onProgress?.({ ...progress });
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, tasks.length) }, worker));
  if (failure !== undefined) throw failure;

  const rel = (c: string, n: number): string => `${c}/${synthVideoName(c, n)}`;
  writeBytesAtomic(join(out, 'classInd.txt'), classes.map((c, i) => `${i + 1} ${c}\n`).join(''));
  writeBytesAtomic(join(out, 'trainlist01.txt'), classes.flatMap((c, i) => splits[i]!.train.map((n) => `${rel(c, n)} ${i + 1}\n`)).join(''));
  writeBytesAtomic(join(out, 'testlist01.txt'), classes.flatMap((c, i) => splits[i]!.test.map((n) => `${rel(c, n)}\n`)).join(''));
  writeBytesAtomic(manifestPath, JSON.stringify({ ...manifest, classes, videos }, null, 2) + '\n');
  const train = splits.reduce((s, p) => s + p.train.length, 0);
  return { ...progress, out, classes, train, test: tasks.length - train, seconds: (performance.now() - t0) / 1000 };
}
