/**
 * Cutting a frame stream into clips (paper §3.3: 16-frame clips, 8-frame overlap). Streaming: only the
 * frames of clips still open are held, never the whole video.
 */

export interface ClipOptions {
  /** Frames per clip (16 in the paper). */
  clipLength: number;
  /** Frames between clip starts (8 in the paper). */
  stride: number;
}

export const PAPER_CLIPS: ClipOptions = { clipLength: 16, stride: 8 };

export function checkClipOptions(o: ClipOptions): void {
  for (const [k, v] of Object.entries(o)) {
    if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`${k === 'clipLength' ? '--clip-len' : '--stride'} must be a positive integer, got ${v}`);
  }
}

/**
 * Start frames of the clips of an N-frame video: 0, stride, 2·stride… while the clip fits. A video
 * shorter than one clip still gets one clip (start 0), padded by repeating its last frame (our
 * choice, documented in docs/extract.md: never drop a video silently). N = 0 is an error.
 */
export function clipStarts(frames: number, o: ClipOptions = PAPER_CLIPS): number[] {
  checkClipOptions(o);
  if (!Number.isSafeInteger(frames) || frames < 0) throw new RangeError(`frame count must be a non-negative integer, got ${frames}`);
  if (frames === 0) throw new Error('video has no frames');
  if (frames < o.clipLength) return [0];
  const starts: number[] = [];
  for (let s = 0; s + o.clipLength <= frames; s += o.stride) starts.push(s);
  return starts;
}

/** Assembles clips from frames pushed one at a time. `T` is whatever a frame is (e.g. a cropped image). */
export class ClipAssembler<T> {
  private readonly window: T[] = [];
  /** Index of window[0] in the video. */
  private windowStart = 0;
  private nextStart = 0;
  private pushed = 0;
  private emitted = 0;
  private last: T | undefined;

  constructor(private readonly o: ClipOptions = PAPER_CLIPS) {
    checkClipOptions(o);
  }

  get framesPushed(): number {
    return this.pushed;
  }

  get clipsEmitted(): number {
    return this.emitted;
  }

  /** Adds frame number `framesPushed`; returns the clips it completes (each `clipLength` frames). */
  push(frame: T): T[][] {
    const i = this.pushed++;
    this.last = frame;
    if (i >= this.nextStart) this.window.push(frame);
    else this.windowStart++; // a frame between clips (stride > clip length): never used
    const out: T[][] = [];
    while (this.nextStart + this.o.clipLength - 1 <= i) {
      const from = this.nextStart - this.windowStart;
      out.push(this.window.slice(from, from + this.o.clipLength));
      this.nextStart += this.o.stride;
      const drop = Math.min(this.nextStart - this.windowStart, this.window.length);
      this.window.splice(0, drop);
      this.windowStart += drop;
    }
    this.emitted += out.length;
    return out;
  }

  /** End of video: the padded clip of a too-short video, if any. Throws for a video with no frames. */
  finish(): T[][] {
    if (this.pushed === 0) throw new Error('video has no frames');
    if (this.emitted > 0) return [];
    const clip = this.window.slice(0);
    while (clip.length < this.o.clipLength) clip.push(this.last as T);
    this.emitted++;
    return [clip];
  }
}
