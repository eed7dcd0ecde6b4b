/**
 * Progress of long video jobs (`c3d extract`, `c3d classify`) on stderr. On a TTY one redrawn line:
 * a bar and percentage, videos done/total, frames and clips so far, frames/s, clips/s and the ETA. In a
 * pipe, a log or CI the same line, plain, every ~30 s (PIPE_INTERVAL_MS; `C3D_PROGRESS_INTERVAL`
 * seconds overrides it), so a long run shows it is alive; scripts still get the summary last.
 *
 * The fraction done counts frames: a video in flight counts as frames decoded / frames its header
 * declares, so one long video moves the bar and gets an ETA too.
 */
import { plural } from './plural.js';

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(s: string): boolean;
}

/** Milliseconds between plain progress lines when stderr is not a TTY. */
export const PIPE_INTERVAL_MS = 30_000;

/**
 * The pipe interval: `C3D_PROGRESS_INTERVAL` (seconds, e.g. 5, or 0.01 in tests) when set to a number
 * ≥ 0, else PIPE_INTERVAL_MS.
 */
export function pipeIntervalMs(env: NodeJS.ProcessEnv = process.env): number {
  const s = env.C3D_PROGRESS_INTERVAL;
  const v = s === undefined || s.trim() === '' ? NaN : Number(s);
  return Number.isFinite(v) && v >= 0 ? v * 1000 : PIPE_INTERVAL_MS;
}


interface InFlight {
  frames: number;
  estimated?: number;
}

export class Progress {
  private readonly t0 = performance.now();
  private lastDraw = -Infinity;
  private lastLine: number;
  private done = 0;
  private skipped = 0;
  private failed = 0;
  private clips = 0;
  private frames = 0;
  private drawn = false;
  private readonly inFlight = new Map<string, InFlight>();
  /** True on a TTY (a redrawn bar); false in a pipe (a plain line every pipeIntervalMs). */
  readonly tty: boolean;

  constructor(
    private readonly total: number,
    private readonly label = 'videos',
    private readonly stream: ProgressStream = process.stderr,
    /** Minimum milliseconds between redraws on a TTY. */
    private readonly intervalMs = 200,
    /** Milliseconds between plain lines in a pipe. */
    private readonly pipeMs = pipeIntervalMs(),
  ) {
    this.tty = Boolean(stream.isTTY);
    this.lastLine = this.t0;
  }

  /** A video started decoding; `estimatedFrames` (declared by its header) makes its share of the bar. */
  start(id: string, estimatedFrames?: number): void {
    this.inFlight.set(id, { frames: this.inFlight.get(id)?.frames ?? 0, estimated: estimatedFrames });
  }

  /** An item finished (or failed). */
  item(failed = false, id?: string): void {
    if (id !== undefined) this.inFlight.delete(id);
    this.done++;
    if (failed) this.failed++;
    this.draw(true);
  }

  /** An item had nothing to do (outputs exist): it does not count towards the rate and the ETA. */
  skip(): void {
    this.done++;
    this.skipped++;
    this.draw(true);
  }

  addClips(n: number): void {
    this.clips += n;
    this.draw(false);
  }

  addFrames(n: number, id?: string): void {
    this.frames += n;
    if (id !== undefined) {
      const v = this.inFlight.get(id);
      if (v) v.frames += n;
      else this.inFlight.set(id, { frames: n });
    }
    this.draw(false);
  }

  /** Fraction of the work done: finished items plus the decoded share of those in flight. */
  fraction(): number {
    const work = this.total - this.skipped;
    if (work <= 0) return 1;
    let partial = 0;
    for (const v of this.inFlight.values()) if (v.estimated) partial += Math.min(0.99, v.frames / v.estimated);
    return Math.min(1, (this.done - this.skipped + partial) / work);
  }

  /**
   * The current line, e.g. `34% | videos 12/40 (1 failed) | 5210 frames, 640 clips | 25.0 frames/s,
   * 3.1 clips/s | ETA 1m05s` (with the bar in front on a TTY).
   */
  line(now = performance.now()): string {
    const s = (now - this.t0) / 1000;
    const rate = (n: number): string => (s > 0 ? (n / s).toFixed(1) : '0.0');
    const f = this.fraction();
    const eta = f > 0 && f < 1 ? formatSeconds((s * (1 - f)) / f) : '--';
    const failed = this.failed ? ` (${this.failed} failed)` : '';
    return (
      `${Math.floor(100 * f)}% | ${this.label} ${this.done}/${this.total}${failed} | ${plural(this.frames, 'frame')}, ${plural(this.clips, 'clip')} | ` +
      `${rate(this.frames)} frames/s, ${rate(this.clips)} clips/s | ETA ${eta}`
    );
  }

  /** Removes the bar (before printing the summary). */
  finish(): void {
    if (this.tty && this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }

  /** Prints a message above the bar (e.g. a failed video), keeping the bar. */
  note(message: string): void {
    if (this.tty && this.drawn) this.stream.write('\r\x1b[2K');
    this.stream.write(message + '\n');
    this.drawn = false;
    this.draw(true);
  }

  private draw(force: boolean): void {
    const now = performance.now();
    if (!this.tty) {
      if (now - this.lastLine < this.pipeMs) return;
      this.lastLine = now;
      this.stream.write(`${this.line(now)}\n`);
      return;
    }
    if (!force && now - this.lastDraw < this.intervalMs) return;
    this.lastDraw = now;
    const width = 20;
    const filled = Math.round(width * this.fraction());
    const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
    const cols = this.stream.columns !== undefined && this.stream.columns > 20 ? this.stream.columns : 100;
    this.stream.write('\r\x1b[2K' + `[${bar}] ${this.line(now)}`.slice(0, cols - 1));
    this.drawn = true;
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '--';
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}
