/** The job manifest: one JSON line per video and run (status, frames, clips, seconds, error). */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type VideoStatus = 'done' | 'skipped' | 'failed';

export interface ManifestEntry {
  id: string;
  input: string;
  status: VideoStatus;
  frames?: number;
  clips?: number;
  seconds?: number;
  outputs?: string[];
  error?: string;
  /** ISO time the line was written. */
  time: string;
}

/** Appends entries (one line each, written in one call so a killed run leaves whole lines). */
export class Manifest {
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
  }

  add(e: Omit<ManifestEntry, 'time'>): void {
    appendFileSync(this.path, JSON.stringify({ ...e, time: new Date().toISOString() }) + '\n');
  }
}
