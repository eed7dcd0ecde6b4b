/**
 * A one-line progress bar on stderr for long jobs: items done/total, clips/s, frames/s, ETA.
 * Silent when stderr is not a TTY (pipes, logs, CI), so scripts see only the final summary.
 */

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(s: string): boolean;
}

export class Progress {
  private readonly t0 = performance.now();
  private lastDraw = 0;
  private done = 0;
  private failed = 0;
  private clips = 0;
  private frames = 0;
  private drawn = false;
  readonly enabled: boolean;

  constructor(
    private readonly total: number,
    private readonly label = 'videos',
    private readonly stream: ProgressStream = process.stderr,
    /** Minimum milliseconds between redraws. */
    private readonly intervalMs = 200,
  ) {
    this.enabled = Boolean(stream.isTTY);
  }

  /** An item finished (or failed, or was skipped). */
  item(failed = false): void {
    this.done++;
    if (failed) this.failed++;
    this.draw(true);
  }

  addClips(n: number): void {
    this.clips += n;
    this.draw(false);
  }

  addFrames(n: number): void {
    this.frames += n;
    this.draw(false);
  }

  /** The current line, e.g. `videos 12/40 (1 failed) | 3.1 clips/s | 25.0 fps | ETA 1m05s`. */
  line(now = performance.now()): string {
    const s = (now - this.t0) / 1000;
    const rate = (n: number): string => (s > 0 ? (n / s).toFixed(1) : '0.0');
    const eta = this.done > 0 && this.done < this.total ? formatSeconds((s / this.done) * (this.total - this.done)) : '--';
    const width = 20;
    const filled = this.total > 0 ? Math.round((width * this.done) / this.total) : 0;
    const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
    const failed = this.failed ? ` (${this.failed} failed)` : '';
    return `[${bar}] ${this.label} ${this.done}/${this.total}${failed} | ${rate(this.clips)} clips/s | ${rate(this.frames)} fps | ETA ${eta}`;
  }

  /** Removes the bar (before printing the summary). */
  finish(): void {
    if (this.enabled && this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }

  /** Prints a message above the bar (e.g. a failed video), keeping the bar. */
  note(message: string): void {
    if (this.enabled && this.drawn) this.stream.write('\r\x1b[2K');
    this.stream.write(message + '\n');
    this.drawn = false;
    this.draw(true);
  }

  private draw(force: boolean): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (!force && now - this.lastDraw < this.intervalMs) return;
    this.lastDraw = now;
    const cols = this.stream.columns !== undefined && this.stream.columns > 20 ? this.stream.columns : 100;
    this.stream.write('\r\x1b[2K' + this.line(now).slice(0, cols - 1));
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
