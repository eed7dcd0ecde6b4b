/**
 * Video decoding: ffmpeg runs as a child process and streams raw `bgr24` frames at the native size
 * (after ffmpeg's automatic rotation) through a pipe; no temporary frame files. BGR because the Caffe
 * data layer read frames with OpenCV. Grey and alpha inputs are converted by ffmpeg (alpha dropped).
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveFfmpeg } from './ffmpeg.js';
import { aviDeclaredFrames } from './avi-header.js';
import { errorMessage, lastErrorLine, LOG_LEVEL_ARGS, parseInputInfo, parseOutputInfo, stripLogLevels, type InputStreamInfo } from './ffmpeg-log.js';
import type { Image8 } from './resize.js';
import { spawnDirect, type SpawnedProcess, type Spawner } from './spawner.js';

export interface DecodeOptions {
  /** ffmpeg binary (default: resolveFfmpeg()). */
  ffmpeg?: string;
  /** Resample to this constant frame rate (ffmpeg `fps` filter); default: every decoded frame once. */
  fps?: number;
  /** Frame rate assumed for a frames directory (only matters with `fps`). Default 25. */
  framesDirRate?: number;
  /**
   * Decoder threads per video (default 1; 0 = ffmpeg's choice). One thread decodes a 320×240 video at
   * hundreds of frames/s, far ahead of the net on a CPU, and leaves the cores to the net: bursts of
   * decoder threads stall a multi-threaded forward pass out of proportion to the CPU they take.
   */
  threads?: number;
}

export interface VideoInfo extends InputStreamInfo {
  /** Size of the frames we read (after rotation). */
  width: number;
  height: number;
  /**
   * Frames the container header declares: an AVI header's frame count, else the stated duration × frame
   * rate (at `fps` when resampling). Headers are approximate; undefined when the container states neither.
   */
  declaredFrames?: number;
  /** For progress estimates (the declared frames); the true count is counted while decoding. */
  estimatedFrames?: number;
}

/** Error-level lines ffmpeg printed while opening and decoding a video (damaged or missing data). */
export interface DecodeErrors {
  /** How many error lines. */
  count: number;
  /** The first few distinct messages, e.g. `mpeg4: ac-tex damaged at 17 5`. */
  messages: string[];
}

/** Distinct error messages kept per video (the count goes on). */
const KEPT_ERRORS = 3;

/** An open video: its info, then its frames (BGR, 3 channels) in order. Iterate once. */
export interface VideoReader extends AsyncIterable<Image8> {
  readonly path: string;
  readonly info: VideoInfo;
  /** Frames delivered so far. */
  readonly framesRead: number;
  /** ffmpeg's error lines so far; complete once the iteration has ended. */
  readonly errors: DecodeErrors;
  /** Stops ffmpeg early (also done automatically when the iteration is abandoned). */
  close(): void;
}

/** Frame files the original C3D tool reads from a frames directory: `%06d.jpg` (png accepted too). */
export const FRAME_FILE = /^(\d{6})\.(jpg|jpeg|png)$/i;

async function inputArgs(path: string, opts: DecodeOptions): Promise<string[]> {
  let st;
  try {
    st = await stat(path);
  } catch {
    throw new Error(`${path}: no such file or directory`);
  }
  if (!st.isDirectory()) {
    if (st.size === 0) throw new Error(`${path}: empty file`);
    return ['-i', path];
  }
  const names = (await readdir(path)).filter((n) => FRAME_FILE.test(n)).sort();
  if (names.length === 0) throw new Error(`${path}: directory has no %06d.jpg frame files`);
  const [, first, ext] = FRAME_FILE.exec(names[0])!;
  return ['-framerate', String(opts.framesDirRate ?? 25), '-start_number', String(Number(first)), '-f', 'image2', '-i', join(path, `%06d.${ext}`)];
}

/**
 * Starts ffmpeg on a video file (any container/codec ffmpeg reads) or a frames directory and resolves
 * once the output frame size is known. Rejects with a one-line message naming the file when ffmpeg
 * cannot open it (missing, not a video, unsupported codec). `spawner` starts ffmpeg (default: a
 * direct spawn; the extraction pipeline passes a relay, see spawner.ts).
 */
export async function openVideo(path: string, opts: DecodeOptions = {}, spawner: Spawner = spawnDirect): Promise<VideoReader> {
  const bin = resolveFfmpeg(opts.ffmpeg);
  if (opts.fps !== undefined && !(opts.fps > 0 && Number.isFinite(opts.fps))) {
    throw new RangeError(`--fps must be a positive number, got ${opts.fps}`);
  }
  const threads = opts.threads ?? 1;
  if (!(Number.isSafeInteger(threads) && threads >= 0)) throw new RangeError(`decoder threads must be an integer ≥ 0, got ${threads}`);
  const args = [
    '-hide_banner', '-nostdin', '-nostats', ...LOG_LEVEL_ARGS,
    '-threads', String(threads),
    ...(await inputArgs(path, opts)),
    '-map', '0:v:0', '-an', '-sn', '-dn',
    ...(opts.fps ? ['-vf', `fps=${opts.fps}`] : []),
    // Every decoded frame exactly once (as OpenCV's VideoCapture reads them), even for variable frame rate.
    '-vsync', 'passthrough',
    '-f', 'rawvideo', '-pix_fmt', 'bgr24', 'pipe:1',
  ];
  const declared = await declaredFromHeader(path);
  const proc = spawner(bin, args);
  // Mark stdout as being read right away: Node drains (discards) a child's untouched stdout when it
  // exits, so a short video whose ffmpeg finishes before the caller starts iterating would lose
  // every frame. A 'readable' listener keeps the data buffered (pipe backpressure still applies).
  proc.stdout.on('readable', () => {});
  let log = '';
  let partialLine = '';
  const errors: DecodeErrors = { count: 0, messages: [] };
  let exitCode: number | null | undefined;
  let spawnError: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    proc.on('error', (err) => {
      spawnError = new Error(`cannot run ffmpeg '${bin}': ${(err as NodeJS.ErrnoException).code ?? err.message} (set C3D_FFMPEG or --ffmpeg)`);
      resolve();
    });
    proc.on('close', (code) => {
      exitCode = code;
      resolve();
    });
  });
  let known = false;
  const header = new Promise<VideoInfo>((resolve, reject) => {
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (s: string) => {
      // Keep the head (stream info) and a bounded tail (the last errors) of a possibly chatty log.
      log = log.length < 64_000 ? log + s : log.slice(0, 32_000) + log.slice(-16_000) + s;
      const lines = (partialLine + s).split(/\r?\n|\r/);
      partialLine = lines.pop()!;
      for (const line of lines) {
        const message = errorMessage(line);
        if (message === undefined) continue;
        errors.count++;
        if (errors.messages.length < KEPT_ERRORS && !errors.messages.includes(message)) errors.messages.push(message);
      }
      if (known) return;
      const plain = stripLogLevels(log);
      const out = parseOutputInfo(plain);
      if (out) {
        known = true;
        const input = parseInputInfo(plain);
        const rate = opts.fps ?? input.fps;
        const fromDuration = input.duration && rate ? Math.round(input.duration * rate) : undefined;
        // Resampling: the declared count at the native rate becomes the count at `fps`.
        const fromHeader = declared && (opts.fps === undefined ? declared.frames : declared.fps ? Math.round((declared.frames / declared.fps) * opts.fps) : undefined);
        const declaredFrames = fromHeader ?? fromDuration;
        resolve({ ...input, ...out, declaredFrames, estimatedFrames: declaredFrames });
      }
    });
    void exited.then(() => {
      const line = lastErrorLine(stripLogLevels(log));
      reject(spawnError ?? new Error(line.startsWith(path) ? line : `${path}: ${line}`));
    });
  });
  let info: VideoInfo;
  try {
    info = await header;
  } catch (err) {
    proc.kill('SIGKILL');
    throw err;
  }
  return new FfmpegReader(path, info, proc, exited, errors, () => ({ code: exitCode, log: stripLogLevels(log), spawnError }));
}

/** An AVI header's declared frame count (other files and frames directories: undefined). */
async function declaredFromHeader(path: string): Promise<{ frames: number; fps?: number } | undefined> {
  try {
    if ((await stat(path)).isDirectory()) return undefined;
  } catch {
    return undefined; // reported by inputArgs
  }
  return aviDeclaredFrames(path);
}

class FfmpegReader implements VideoReader {
  framesRead = 0;
  private started = false;

  constructor(
    readonly path: string,
    readonly info: VideoInfo,
    private readonly proc: SpawnedProcess,
    private readonly exited: Promise<void>,
    readonly errors: DecodeErrors,
    private readonly status: () => { code: number | null | undefined; log: string; spawnError?: Error },
  ) {}

  close(): void {
    if (this.proc.exitCode === null) this.proc.kill('SIGKILL');
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Image8> {
    if (this.started) throw new Error(`${this.path}: a video reader can be iterated only once`);
    this.started = true;
    const { width, height } = this.info;
    const frameBytes = width * height * 3;
    let frame = new Uint8Array(frameBytes);
    let filled = 0;
    try {
      for await (const chunk of this.proc.stdout as AsyncIterable<Buffer>) {
        let off = 0;
        while (off < chunk.length) {
          const n = Math.min(frameBytes - filled, chunk.length - off);
          frame.set(chunk.subarray(off, off + n), filled);
          filled += n;
          off += n;
          if (filled === frameBytes) {
            this.framesRead++;
            yield { width, height, channels: 3, data: frame };
            frame = new Uint8Array(frameBytes);
            filled = 0;
          }
        }
      }
      await this.exited;
      const { code, log, spawnError } = this.status();
      if (spawnError) throw spawnError;
      if (code !== 0) throw new Error(`${this.path}: ffmpeg failed (exit ${code}): ${lastErrorLine(log)}`);
      if (this.framesRead === 0) throw new Error(`${this.path}: no video frames decoded`);
    } finally {
      this.close();
    }
  }
}

/** Decodes a whole (short) video into memory: for tests and small inputs; pipelines stream instead. */
export async function readAllFrames(path: string, opts: DecodeOptions = {}, spawner: Spawner = spawnDirect): Promise<Image8[]> {
  const reader = await openVideo(path, opts, spawner);
  const frames: Image8[] = [];
  for await (const f of reader) frames.push(f);
  return frames;
}
