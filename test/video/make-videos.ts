/** Test helper: tiny videos with known content, generated at test time with the bundled ffmpeg (lavfi). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveFfmpeg } from '../../src/video/ffmpeg.js';

/** A fresh temp directory, removed when the test process exits. */
export function tempDir(prefix = 'c3d-video-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs the bundled ffmpeg with `args` (quiet, overwrite). */
export function ffmpeg(...args: string[]): void {
  execFileSync(resolveFfmpeg(), ['-v', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * Writes `frames` frames of a lavfi source to `path`. `codec` png/ffv1 are lossless (exact pixels);
 * libx264 for a typical mp4.
 */
export function makeVideo(path: string, source: string, frames: number, codec = 'png', extra: string[] = []): string {
  ffmpeg('-f', 'lavfi', '-i', source, '-frames:v', String(frames), '-c:v', codec, ...extra, path);
  return path;
}
