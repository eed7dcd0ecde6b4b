/** The job manifest: one JSON line per video and run (status, frames, clips, seconds, error). */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, relative, sep } from 'node:path';

/**
 * `done`: outputs written; `skipped`: outputs existed; `failed`: no outputs (not decodable);
 * `truncated` / `decode-error`: outputs written from the frames that could be decoded, but fewer than
 * the header declares / ffmpeg reported errors (see decode-check.ts).
 */
export type VideoStatus = 'done' | 'skipped' | 'failed' | 'truncated' | 'decode-error';

export interface ManifestEntry {
  id: string;
  input: string;
  status: VideoStatus;
  frames?: number;
  /** Frames the container header declares (truncated videos). */
  declaredFrames?: number;
  clips?: number;
  seconds?: number;
  /** Files written, relative to the manifest's own folder ('/'-separated). */
  outputs?: string[];
  error?: string;
  /** 'int8' when the features were computed by the int8 net (src/quant); absent for fp32. */
  precision?: 'int8';
  /** ISO time the line was written. */
  time: string;
}

/** Appends entries (one line each, written in one call so a killed run leaves whole lines). */
export class Manifest {
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
  }

  /** `path` relative to the manifest's folder, as `outputs` records it (the folder can move). */
  relativePath(path: string): string {
    return relative(dirname(this.path), path).split(sep).join('/');
  }

  add(e: Omit<ManifestEntry, 'time'>): void {
    appendFileSync(this.path, JSON.stringify({ ...e, time: new Date().toISOString() }) + '\n');
  }
}
