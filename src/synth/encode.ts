/**
 * Encodes rendered frames as an H.264 mp4 with ffmpeg (raw frames piped to stdin, no frame files).
 * The video is written to a temp name beside the target and renamed when ffmpeg succeeds, so a file
 * at the target name is always complete.
 */
import { spawn } from 'node:child_process';
import { renameSync, rmSync } from 'node:fs';
import { resolveFfmpeg } from '../video/ffmpeg.js';
import { lastErrorLine } from '../video/ffmpeg-log.js';
import type { ChannelOrder } from '../io/convention.js';

export interface EncodeOptions {
  width: number;
  height: number;
  /** Frames per second written in the file (default 25). */
  fps?: number;
  /** Byte order of the frames (default rgb). */
  order?: ChannelOrder;
  /** x264 constant rate factor (default 20: visually near lossless at these sizes). */
  crf?: number;
  /** ffmpeg binary (default resolveFfmpeg()). */
  ffmpeg?: string;
}

let tempCounter = 0;

/**
 * The pixel format the mp4 stores: yuv420p (plays everywhere) when both sides are even, else
 * yuv444p — 4:2:0 cannot represent an odd side (x264 refuses it), and C3D's own frame geometry,
 * 171×128, has an odd width. Our decoder and ffmpeg/OpenCV read both.
 */
export function mp4PixelFormat(width: number, height: number): 'yuv420p' | 'yuv444p' {
  return width % 2 === 0 && height % 2 === 0 ? 'yuv420p' : 'yuv444p';
}

/** Temp files this module leaves when killed mid-encode: `<target>.tmp-<pid>-<n>`. */
export const TEMP_SUFFIX = /\.tmp-(\d+)-\d+$/;

/**
 * Writes `frames` (each width×height×3 bytes) to `path` as H.264 (libx264, preset veryfast, one
 * encoder thread: parallelism comes from encoding several videos at once). Rejects with a one-line
 * message naming `path` when ffmpeg cannot be started or fails; nothing is left at `path` then.
 */
export async function encodeMp4(frames: readonly Uint8Array[], path: string, opts: EncodeOptions): Promise<void> {
  const { width, height } = opts;
  const frameBytes = width * height * 3;
  const bad = frames.findIndex((f) => f.length !== frameBytes);
  if (bad >= 0) throw new RangeError(`${path}: frame ${bad} has ${frames[bad]!.length} bytes, expected ${width}×${height}×3 = ${frameBytes}`);
  if (frames.length === 0) throw new RangeError(`${path}: no frames to encode`);
  const tmp = `${path}.tmp-${process.pid}-${tempCounter++}`;
  const bin = resolveFfmpeg(opts.ffmpeg);
  const args = [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error',
    '-f', 'rawvideo', '-pix_fmt', opts.order === 'bgr' ? 'bgr24' : 'rgb24', '-s', `${width}x${height}`, '-r', String(opts.fps ?? 25), '-i', 'pipe:0',
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', String(opts.crf ?? 20), '-pix_fmt', mp4PixelFormat(width, height), '-threads', '1',
    '-f', 'mp4', '-y', tmp,
  ];
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(bin, args, { stdio: ['pipe', 'ignore', 'pipe'] });
      let log = '';
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (s: string) => {
        if (log.length < 65536) log += s;
      });
      child.on('error', (e) => reject(new Error(`${path}: cannot run ffmpeg (${bin}): ${e.message}`)));
      // ffmpeg exiting early makes our writes fail with EPIPE; its exit status tells why.
      child.stdin.on('error', () => {});
      child.on('close', (code, signal) => {
        if (code === 0) resolve();
        else reject(new Error(`${path}: ffmpeg ${signal ? `killed by ${signal}` : `exited with code ${code}`}: ${lastErrorLine(log)}`));
      });
      for (const f of frames) child.stdin.write(f);
      child.stdin.end();
    });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
