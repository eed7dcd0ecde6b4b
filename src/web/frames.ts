/**
 * Video frames in the browser, as the Node decoder yields them: every frame of the video, in order,
 * as a BGR `Image8` (src/video/resize.ts). Frames come from a <video> element seeked frame by frame
 * and drawn on a canvas (works in every browser; WebCodecs would need a demuxer). The browser's own
 * YUV→RGB conversion differs slightly from ffmpeg's: docs/web.md measures by how much.
 */
import type { Image8 } from '../video/resize.js';

/** An opened video: its size, frame rate and frame count, and random access to frames. */
export interface VideoFrames {
  width: number;
  height: number;
  fps: number;
  frames: number;
  /**
   * Frame `i` (0-based) as BGR bytes; null past the last frame (`frames` is estimated from the
   * duration, which an audio track longer than the picture stretches).
   */
  read(i: number): Promise<Image8 | null>;
}

function once(target: EventTarget, ok: string, fail?: string): Promise<Event> {
  return new Promise((resolve, reject) => {
    const onOk = (e: Event) => {
      target.removeEventListener(fail ?? '', onFail);
      resolve(e);
    };
    const onFail = () => {
      target.removeEventListener(ok, onOk);
      reject(new Error('failed'));
    };
    target.addEventListener(ok, onOk, { once: true });
    if (fail) target.addEventListener(fail, onFail, { once: true });
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

type FrameCallbackVideo = HTMLVideoElement & {
  requestVideoFrameCallback?(cb: (now: number, meta: { mediaTime: number; presentedFrames: number }) => void): number;
};

/**
 * The frame rate, from the presentation times of frames shown while the video plays muted (the
 * smallest step between two shown frames is one frame). Undefined when the browser cannot tell.
 */
async function measureFps(video: FrameCallbackVideo): Promise<number | undefined> {
  if (!video.requestVideoFrameCallback) return undefined;
  const times: number[] = [];
  const done = new Promise<void>((resolve) => {
    const onFrame = (_: number, meta: { mediaTime: number }) => {
      times.push(meta.mediaTime);
      if (times.length >= 10 || video.ended) resolve();
      else video.requestVideoFrameCallback!(onFrame);
    };
    video.requestVideoFrameCallback!(onFrame);
    video.addEventListener('ended', () => resolve(), { once: true });
  });
  await video.play().catch(() => undefined);
  await Promise.race([done, sleep(3000)]);
  video.pause();
  let step = Infinity;
  for (let i = 1; i < times.length; i++) {
    const d = times[i] - times[i - 1];
    if (d > 1e-4 && d < step) step = d;
  }
  return Number.isFinite(step) ? 1 / step : undefined;
}

/**
 * Waits until the element shows the frame at the time just set (seeked, and painted where the browser
 * says so); resolves with that frame's presentation time, or undefined when no new frame was presented.
 */
async function seekTo(video: FrameCallbackVideo, t: number): Promise<number | undefined> {
  const painted = video.requestVideoFrameCallback
    ? new Promise<number>((r) => video.requestVideoFrameCallback!((_, meta) => r(meta.mediaTime)))
    : Promise.resolve(undefined);
  const seeked = once(video, 'seeked');
  video.currentTime = t;
  await seeked;
  // A seek to the frame already shown presents nothing new: do not wait long for it.
  return Promise.race([painted, sleep(100).then(() => undefined)]);
}

/**
 * Opens `src` in `video` (which the page also shows). `fps`: the frame rate when known (else
 * measured; 25 when the browser cannot tell). `where` names the video in errors.
 */
export async function openVideoFrames(video: HTMLVideoElement, src: string, where: string, fps?: number): Promise<VideoFrames> {
  video.muted = true;
  video.preload = 'auto';
  video.playsInline = true;
  const loaded = once(video, 'loadeddata', 'error');
  video.src = src;
  try {
    await loaded;
  } catch {
    const code = video.error?.code;
    throw new Error(`${where}: the browser cannot open this video${code ? ` (MediaError ${code}${video.error?.message ? `: ${video.error.message}` : ''})` : ''}; try an .mp4 (H.264) or .webm`);
  }
  const width = video.videoWidth;
  const height = video.videoHeight;
  if (!(width > 0 && height > 0)) throw new Error(`${where}: the video has no picture`);
  const rate = fps ?? (await measureFps(video as FrameCallbackVideo)) ?? 25;
  const frames = Math.max(1, Math.round(video.duration * rate));
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('this browser has no 2D canvas');
  let shown: number | undefined;
  return {
    width,
    height,
    fps: rate,
    frames,
    async read(i) {
      // The middle of frame i's display interval: robust to timestamps rounded either way.
      const at = await seekTo(video as FrameCallbackVideo, Math.min((i + 0.5) / rate, video.duration));
      // Past the picture's last frame the element keeps showing it: the video has ended.
      if (i > 0 && (at === undefined ? false : shown !== undefined && at <= shown)) return null;
      if (at !== undefined) shown = at;
      ctx.drawImage(video, 0, 0, width, height);
      const rgba = ctx.getImageData(0, 0, width, height).data;
      const bgr = new Uint8Array(width * height * 3);
      for (let p = 0, q = 0; p < rgba.length; p += 4, q += 3) {
        bgr[q] = rgba[p + 2];
        bgr[q + 1] = rgba[p + 1];
        bgr[q + 2] = rgba[p];
      }
      return { width, height, channels: 3, data: bgr };
    },
  };
}
