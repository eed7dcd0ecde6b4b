/**
 * How `c3d train` / `c3d test` show progress: on a TTY one redrawn line (iteration, epoch, loss, lr,
 * clips/s, ETA); in a pipe or CI a plain line per logged iteration and, for long stages without
 * iterations (the frame cache, evaluation), a line every ~30 s (C3D_PROGRESS_INTERVAL=SECONDS, as extract).
 */
import type { ProgressStream } from './progress.js';
import { formatSeconds, pipeIntervalMs as defaultPipeIntervalMs } from './progress.js';
import type { TrainEvent } from '../train/train.js';

export class TrainProgress {
  private drawn = false;
  private lastLine = 0;
  private lastDraw = 0;
  private readonly tty: boolean;

  constructor(
    private readonly stream: ProgressStream = process.stderr,
    /** Milliseconds between plain lines in a pipe for stages without iterations. */
    private readonly pipeIntervalMs = defaultPipeIntervalMs(),
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  /** A message line (kept above the bar). */
  message(text: string): void {
    this.clear();
    this.stream.write(text + '\n');
  }

  /** A stage with a count (cache building, evaluation): redraw on a TTY, a line every ~30 s otherwise. */
  stage(label: string, done: number, total: number, extra = ''): void {
    const line = `${label} ${done}/${total}${extra}`;
    const now = performance.now();
    if (this.tty) return this.redraw(line, now);
    if (done === total || now - this.lastLine >= this.pipeIntervalMs) {
      this.lastLine = now;
      this.stream.write(line + '\n');
    }
  }

  event(e: TrainEvent): void {
    switch (e.kind) {
      case 'message':
        return this.message(e.text);
      case 'cache':
        return this.stage('decoding videos into the frame cache:', e.done, e.total, `${e.cached ? ` (${e.cached} already cached)` : ''}${e.failed ? ` (${e.failed} failed)` : ''}`);
      case 'iteration': {
        const line = `iter ${e.iteration}/${e.total} | epoch ${e.epoch.toFixed(2)} | loss ${e.loss.toFixed(4)} | lr ${e.lr.toPrecision(3)} | ${e.clipsPerSec.toFixed(2)} clips/s | ETA ${formatSeconds(e.etaSec)}`;
        if (this.tty) return this.redraw(line, performance.now(), e.iteration === e.total);
        if (e.logged) this.stream.write(line + '\n');
        return;
      }
      case 'validation': {
        const r = e.report;
        const pct = (v: number | null): string => (v === null ? '-' : `${(100 * v).toFixed(1)}%`);
        return this.message(`validation at iteration ${e.iteration} (epoch ${e.epoch.toFixed(2)}): clip top-1 ${pct(r.clip_top1)}, video top-1 ${pct(r.video_top1)}, top-5 ${pct(r.video_top5 ?? r.clip_top5)}, mean class ${pct(r.mean_class_accuracy)}`);
      }
      case 'checkpoint':
        if (!this.tty) this.stream.write(`checkpoint ${e.path}\n`);
        return;
    }
  }

  /** Removes the bar. */
  finish(): void {
    this.clear();
  }

  private redraw(line: string, now: number, force = false): void {
    if (!force && now - this.lastDraw < 200) return;
    this.lastDraw = now;
    const cols = this.stream.columns && this.stream.columns > 20 ? this.stream.columns : 100;
    this.stream.write('\r\x1b[2K' + line.slice(0, cols - 1));
    this.drawn = true;
  }

  private clear(): void {
    if (this.tty && this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }
}
