/**
 * The frame cache: every training video is decoded once (ffmpeg → BGR) and resized once (OpenCV-exact
 * bilinear, to the training frame size, e.g. 128×171), and its frames are kept as raw bytes in one file
 * per video. Training then reads any clip with one positional read instead of running ffmpeg per clip,
 * as Caffe's data layer did from its frame folders.
 *
 * File layout (little-endian): a 64-byte header — magic `C3DFRAME`, u32 version, u32 frames, u32 H,
 * u32 W, f64 sum of B, G, R over every pixel of every frame, f64 pixel count — then the frames, each
 * H×W×3 BGR bytes (row-major, interleaved). The sums let the training-set mean be computed from the
 * headers alone. The file name is the sha1 of (format version, absolute path, size, mtime, H, W), so
 * an edited video or another frame size gets a new entry and never a stale one.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { mkdir, open, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fsReason } from '../io/read-file.js';
import { FRAME_FILE, openVideo, type VideoReader } from '../video/decode.js';
import { LinearResizer } from '../video/resize.js';

const MAGIC = 'C3DFRAME';
const VERSION = 1;
/** Header bytes before the first frame (room left after the fields, zeros). */
export const FRAME_CACHE_HEADER_BYTES = 64;
/** File extension of a cache entry. */
const ENTRY_EXT = '.frames';
/** Open file descriptors kept by a FrameCache (least recently used closed first). */
const MAX_OPEN_FILES = 32;
/** Frames gathered before one write while building an entry. */
const WRITE_CHUNK_FRAMES = 16;

/** One cached video: where its frames are and what the header says. */
interface CacheEntry {
  file: string;
  frames: number;
  height: number;
  width: number;
  /** Sum of the B, G, R values of every pixel of every frame. */
  sums: [number, number, number];
  pixels: number;
}

/** A video that could not be cached (and is skipped by training). */
export interface CacheFailure {
  /** The path as the caller gave it. */
  path: string;
  /** One line saying why, naming the file. */
  reason: string;
}

export interface FrameCacheProgress {
  /** Videos finished (cached, reused or failed). */
  done: number;
  total: number;
  failed: number;
  /** Videos whose entry already existed (no decoding). */
  cached: number;
}

export interface BuildFrameCacheOptions {
  /** Cache directory (created if missing). */
  dir: string;
  /** Training frame size every frame is resized to, e.g. 128 × 171. */
  height: number;
  width: number;
  /** Videos decoded at the same time (default 2). */
  jobs?: number;
  /** ffmpeg binary (default: resolveFfmpeg()). */
  ffmpeg?: string;
  /** Called after each video; the CLI prints it (the library prints nothing). */
  onProgress?: (p: FrameCacheProgress) => void;
}

/**
 * Makes sure every distinct video of `videos` (files or `%06d.jpg` frame directories) has a cache entry
 * in `opts.dir`, decoding `jobs` videos at a time, and returns the cache. Resumable: existing entries
 * are reused, and an entry is written under a temporary name and renamed when complete, so an
 * interrupted build leaves no half entry. Never throws for a bad video: unreadable, corrupt and
 * zero-frame videos are listed in `cache.failures`. Throws only when the cache directory is unusable
 * or ffmpeg cannot be run at all.
 */
export async function buildFrameCache(videos: readonly string[], opts: BuildFrameCacheOptions): Promise<FrameCache> {
  const { dir, height, width } = opts;
  for (const [name, v] of [['height', height], ['width', width]] as const) {
    if (!(Number.isSafeInteger(v) && v > 0)) throw new RangeError(`frame cache: ${name} must be a positive integer, got ${v}`);
  }
  const jobs = opts.jobs ?? 2;
  if (!(Number.isSafeInteger(jobs) && jobs >= 1)) throw new RangeError(`frame cache: jobs must be a positive integer, got ${jobs}`);
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new Error(`${dir}: cannot create the frame cache directory (${fsReason(e)})`);
  }
  await removeStaleTemps(dir);

  // Distinct videos by absolute path, in first-listed order; messages use the path as given.
  const given = new Map<string, string>();
  for (const v of videos) {
    const abs = resolve(v);
    if (!given.has(abs)) given.set(abs, v);
  }
  const todo = [...given.keys()];
  const entries = new Map<string, CacheEntry>();
  const failed = new Map<string, string>();
  const progress: FrameCacheProgress = { done: 0, total: todo.length, failed: 0, cached: 0 };
  let next = 0;
  let fatal: Error | undefined;
  const worker = async (): Promise<void> => {
    while (next < todo.length && !fatal) {
      const abs = todo[next++];
      try {
        const { entry, reused } = await cacheVideo(abs, opts);
        entries.set(abs, entry);
        if (reused) progress.cached++;
      } catch (e) {
        const message = (e as Error).message ?? String(e);
        // No ffmpeg at all is a setup problem, not a bad video: every video would "fail".
        if (message.startsWith('cannot run ffmpeg')) {
          fatal = e as Error;
          return;
        }
        failed.set(abs, oneLine(message, given.get(abs)!));
        progress.failed++;
      }
      progress.done++;
      opts.onProgress?.({ ...progress });
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, todo.length) }, worker));
  if (fatal) throw fatal;
  // Failures in the order the videos were listed, whatever order the jobs finished in.
  const failures = todo.filter((abs) => failed.has(abs)).map((abs) => ({ path: given.get(abs)!, reason: failed.get(abs)! }));
  return new FrameCache(dir, height, width, entries, failures);
}

/**
 * Decoded, resized frames of a set of videos (see the module comment). Reads are positional
 * (`readSync` on a kept-open descriptor): a clip costs one read of L·H·W·3 bytes, never a whole file.
 */
export class FrameCache {
  /** Videos that could not be cached, in the order they were listed. */
  readonly failures: readonly CacheFailure[];
  private readonly entries: Map<string, CacheEntry>;
  /** Open descriptors by entry file, least recently used first. */
  private readonly fds = new Map<string, number>();

  /** Use `buildFrameCache`; this constructor is for it. */
  constructor(
    readonly dir: string,
    /** Frame size of every entry. */
    readonly height: number,
    readonly width: number,
    entries: Map<string, CacheEntry>,
    failures: readonly CacheFailure[],
  ) {
    this.entries = entries;
    this.failures = failures;
  }

  /** Bytes of one frame (H·W·3). */
  get frameBytes(): number {
    return this.height * this.width * 3;
  }

  /** Number of cached videos. */
  get size(): number {
    return this.entries.size;
  }

  /** Whether `path` (as given, or any path resolving to the same file) has an entry. */
  has(path: string): boolean {
    return this.entries.has(resolve(path));
  }

  /** Frame count of a cached video. */
  frames(path: string): number {
    return this.entry(path).frames;
  }

  /**
   * Frames [start, start + count) of a cached video as count×H×W×3 BGR bytes, into `out` when given
   * (its first count·H·W·3 bytes).
   */
  readFrames(path: string, start: number, count: number, out?: Uint8Array): Uint8Array {
    const e = this.entry(path);
    if (!(Number.isSafeInteger(start) && Number.isSafeInteger(count) && start >= 0 && count >= 0 && start + count <= e.frames)) {
      throw new RangeError(`${path}: frames [${start}, ${start + count}) are outside the video's ${e.frames} frames`);
    }
    const bytes = count * this.frameBytes;
    if (out && out.length < bytes) throw new RangeError(`readFrames: output has ${out.length} bytes, ${count} frames need ${bytes}`);
    const dst = out ?? new Uint8Array(bytes);
    const fd = this.fd(e.file);
    const base = FRAME_CACHE_HEADER_BYTES + start * this.frameBytes;
    let got = 0;
    while (got < bytes) {
      const n = readSync(fd, dst, got, bytes - got, base + got);
      if (n === 0) throw new Error(`${e.file}: frame cache entry of ${path} is truncated (delete it to rebuild)`);
      got += n;
    }
    return dst;
  }

  /**
   * Pixel-weighted mean B, G, R over the frames of `paths` (default: every cached video); videos
   * without an entry (failed) are left out. From the headers alone: no frame is read.
   */
  meanBgr(paths?: Iterable<string>): [number, number, number] {
    const sums = [0, 0, 0];
    let pixels = 0;
    const list = paths ? [...paths].map((p) => this.entries.get(resolve(p))) : [...this.entries.values()];
    for (const e of list) {
      if (!e) continue;
      for (let c = 0; c < 3; c++) sums[c] += e.sums[c];
      pixels += e.pixels;
    }
    if (pixels === 0) throw new Error('frame cache: no cached frames to compute a mean from');
    return [sums[0] / pixels, sums[1] / pixels, sums[2] / pixels];
  }

  /** Closes the open descriptors (reads reopen them). */
  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }

  private entry(path: string): CacheEntry {
    const e = this.entries.get(resolve(path));
    if (!e) throw new Error(`${path}: not in the frame cache${this.failures.some((f) => resolve(f.path) === resolve(path)) ? ' (it failed to decode)' : ''}`);
    return e;
  }

  private fd(file: string): number {
    let fd = this.fds.get(file);
    if (fd !== undefined) {
      // Most recently used goes last.
      this.fds.delete(file);
      this.fds.set(file, fd);
      return fd;
    }
    if (this.fds.size >= MAX_OPEN_FILES) {
      const [oldest, ofd] = this.fds.entries().next().value as [string, number];
      closeSync(ofd);
      this.fds.delete(oldest);
    }
    try {
      fd = openSync(file, 'r');
    } catch (e) {
      throw new Error(`${file}: cannot open frame cache entry (${fsReason(e)})`);
    }
    this.fds.set(file, fd);
    return fd;
  }
}

/** The first line of an error message, naming the video. */
function oneLine(message: string, path: string): string {
  const line = message.split('\n', 1)[0].trim() || 'unknown error';
  return line.includes(path) ? line : `${path}: ${line}`;
}

/**
 * What identifies a video's content for the cache: a file's size and mtime; a frames directory's frame
 * count and newest frame mtime (its own mtime changes only when files are added or removed).
 */
async function sourceKey(path: string): Promise<Record<string, string | number>> {
  let st;
  try {
    st = await stat(path, { bigint: true });
  } catch (e) {
    throw new Error(`${path}: cannot read (${fsReason(e)})`);
  }
  if (!st.isDirectory()) return { kind: 'file', size: String(st.size), mtime: String(st.mtimeNs) };
  const names = (await readdir(path)).filter((n) => FRAME_FILE.test(n));
  if (names.length === 0) throw new Error(`${path}: directory has no %06d.jpg frame files`);
  let newest = 0n;
  for (const n of names) {
    const m = (await stat(join(path, n), { bigint: true })).mtimeNs;
    if (m > newest) newest = m;
  }
  return { kind: 'dir', count: names.length, mtime: String(newest) };
}

/** The entry file of a video for a frame size. */
function entryFile(dir: string, path: string, key: Record<string, string | number>, height: number, width: number): string {
  const id = JSON.stringify({ version: VERSION, path, ...key, height, width });
  return join(dir, createHash('sha1').update(id).digest('hex') + ENTRY_EXT);
}

function encodeHeader(e: Omit<CacheEntry, 'file'>): Uint8Array {
  const buf = new Uint8Array(FRAME_CACHE_HEADER_BYTES);
  const v = new DataView(buf.buffer);
  for (let i = 0; i < MAGIC.length; i++) buf[i] = MAGIC.charCodeAt(i);
  v.setUint32(8, VERSION, true);
  v.setUint32(12, e.frames, true);
  v.setUint32(16, e.height, true);
  v.setUint32(20, e.width, true);
  for (let c = 0; c < 3; c++) v.setFloat64(24 + 8 * c, e.sums[c], true);
  v.setFloat64(48, e.pixels, true);
  return buf;
}

/** Reads an entry's header; undefined when the file is missing, of another format, or not whole. */
async function readEntry(file: string, height: number, width: number): Promise<CacheEntry | undefined> {
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const buf = new Uint8Array(FRAME_CACHE_HEADER_BYTES);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    if (bytesRead !== buf.length || String.fromCharCode(...buf.subarray(0, 8)) !== MAGIC) return undefined;
    const v = new DataView(buf.buffer);
    const frames = v.getUint32(12, true);
    if (v.getUint32(8, true) !== VERSION || v.getUint32(16, true) !== height || v.getUint32(20, true) !== width || frames === 0) return undefined;
    const { size } = await fh.stat();
    if (size !== FRAME_CACHE_HEADER_BYTES + frames * height * width * 3) return undefined;
    const sums: [number, number, number] = [v.getFloat64(24, true), v.getFloat64(32, true), v.getFloat64(40, true)];
    return { file, frames, height, width, sums, pixels: v.getFloat64(48, true) };
  } finally {
    await fh.close();
  }
}

let tempCounter = 0;

/** Cache entry of one video: the existing one, or decoded now (written to a temp file, then renamed). */
async function cacheVideo(path: string, opts: BuildFrameCacheOptions): Promise<{ entry: CacheEntry; reused: boolean }> {
  const { dir, height, width } = opts;
  const file = entryFile(dir, path, await sourceKey(path), height, width);
  const existing = await readEntry(file, height, width);
  if (existing) return { entry: existing, reused: true };

  const tmp = `${file}.tmp-${process.pid}-${tempCounter++}`;
  let fh: FileHandle | undefined = await open(tmp, 'w');
  let reader: VideoReader | undefined;
  let renamed = false;
  try {
    reader = await openVideo(path, { ffmpeg: opts.ffmpeg });
    const frameBytes = height * width * 3;
    const chunk = new Uint8Array(WRITE_CHUNK_FRAMES * frameBytes);
    let inChunk = 0;
    let frames = 0;
    const sums: [number, number, number] = [0, 0, 0];
    let resizer: LinearResizer | undefined;
    const flush = async (): Promise<void> => {
      const bytes = inChunk * frameBytes;
      const pos = FRAME_CACHE_HEADER_BYTES + (frames - inChunk) * frameBytes;
      for (let off = 0; off < bytes; ) off += (await fh!.write(chunk, off, bytes - off, pos + off)).bytesWritten;
      inChunk = 0;
    };
    for await (const f of reader) {
      // A frames directory may mix sizes: one resizer per source size.
      if (!resizer || resizer.srcWidth !== f.width || resizer.srcHeight !== f.height) {
        resizer = new LinearResizer(f.width, f.height, width, height, 3);
      }
      const dst = chunk.subarray(inChunk * frameBytes, (inChunk + 1) * frameBytes);
      resizer.resize(f.data, dst);
      let b = 0;
      let g = 0;
      let r = 0;
      for (let i = 0; i < frameBytes; i += 3) {
        b += dst[i];
        g += dst[i + 1];
        r += dst[i + 2];
      }
      sums[0] += b;
      sums[1] += g;
      sums[2] += r;
      frames++;
      if (++inChunk === WRITE_CHUNK_FRAMES) await flush();
    }
    await flush();
    // The decoder throws for zero frames; this guards a reader that would not.
    if (frames === 0) throw new Error(`${path}: no video frames decoded`);
    const entry: CacheEntry = { file, frames, height, width, sums, pixels: frames * height * width };
    await fh.write(encodeHeader(entry), 0, FRAME_CACHE_HEADER_BYTES, 0);
    await fh.datasync();
    await fh.close();
    fh = undefined;
    await rename(tmp, file);
    renamed = true;
    return { entry, reused: false };
  } finally {
    reader?.close();
    if (fh) await fh.close().catch(() => undefined);
    if (!renamed) await unlink(tmp).catch(() => undefined);
  }
}

/** Deletes temp files left by builds that were killed (their process is gone). */
async function removeStaleTemps(dir: string): Promise<void> {
  const temp = new RegExp(`^[0-9a-f]{40}\\${ENTRY_EXT}\\.tmp-(\\d+)-\\d+$`);
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const m = temp.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    // A build still running (in this process or another) owns its temp file.
    if (pid === process.pid || processAlive(pid)) continue;
    await unlink(join(dir, name)).catch(() => undefined);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
