/**
 * Renders a synthetic scene (scene.ts) to 8-bit frames. Everything is bilinearly sampled at sub-pixel
 * positions — the background at its fractional drift offset, each sprite through its inverse affine
 * map from the mipmap level closest to one texel per pixel — so motion is smooth, not stepped by whole
 * pixels. Frames are composed in a float buffer (premultiplied "over") and quantised once.
 */
import type { Scene } from './scene.js';
import type { Sprite } from './sprite.js';
import type { FloatImage } from './texture.js';
/** Byte order of the rendered pixels: RGB (what `ffmpeg -pix_fmt rgb24` reads) or BGR (OpenCV/Caffe). */
import type { ChannelOrder } from '../io/convention.js';

/** Fills `f` (width×height×3 floats) with the drifted background of frame `i`. */
function drawBackground(scene: Scene, i: number, f: Float32Array): void {
  const { width: w, height: h, background: bg, margin } = scene;
  const ox = margin + scene.backgroundOffsets[2 * i]!;
  const oy = margin + scene.backgroundOffsets[2 * i + 1]!;
  const ix = Math.floor(ox);
  const iy = Math.floor(oy);
  const fx = ox - ix;
  const fy = oy - iy;
  // The offset is the same for every pixel of a frame, so are the four bilinear weights.
  const w00 = (1 - fx) * (1 - fy);
  const w01 = fx * (1 - fy);
  const w10 = (1 - fx) * fy;
  const w11 = fx * fy;
  const src = bg.data;
  const stride = bg.width * 3;
  for (let y = 0; y < h; y++) {
    let s = (y + iy) * stride + ix * 3;
    let d = y * w * 3;
    for (let x = 0; x < w * 3; x++, s++, d++) {
      f[d] = w00 * src[s]! + w01 * src[s + 3]! + w10 * src[s + stride]! + w11 * src[s + stride + 3]!;
    }
  }
}

/** The mipmap level whose texels are closest to one per pixel for a sprite of `radius` px. */
function mipLevel(sprite: Sprite, radius: number): FloatImage {
  const texelsPerPixel = sprite.levels[0]!.width / (2 * Math.max(radius, 1e-6));
  const level = Math.min(sprite.levels.length - 1, Math.max(0, Math.round(Math.log2(texelsPerPixel))));
  return sprite.levels[level]!;
}

/** Composites a sprite at pose (cx, cy, radius, angle) over `f` (premultiplied "over"). */
function drawSprite(f: Float32Array, w: number, h: number, sprite: Sprite, cx: number, cy: number, radius: number, angle: number): void {
  const tex = mipLevel(sprite, radius);
  const n = tex.width;
  const t = tex.data;
  // Texel coordinates of a screen point q: ((R(−angle)(q − c)) / radius + 1) · n/2 − 1/2.
  const k = n / (2 * radius);
  const c = Math.cos(angle) * k;
  const s = Math.sin(angle) * k;
  const base = n / 2 - 0.5;
  // Conservative bounding box: the sprite's square reaches radius·√2 from its centre.
  const reach = radius * Math.SQRT2 + 1;
  const x0 = Math.max(0, Math.floor(cx - reach));
  const x1 = Math.min(w, Math.ceil(cx + reach));
  const y0 = Math.max(0, Math.floor(cy - reach));
  const y1 = Math.min(h, Math.ceil(cy + reach));
  const rowStride = n * 4;
  for (let y = y0; y < y1; y++) {
    const dy = y + 0.5 - cy;
    const dx = x0 + 0.5 - cx;
    let u = c * dx + s * dy + base;
    let v = -s * dx + c * dy + base;
    for (let x = x0; x < x1; x++, u += c, v -= s) {
      if (u <= -1 || v <= -1 || u >= n || v >= n) continue;
      const iu = Math.floor(u);
      const iv = Math.floor(v);
      const fu = u - iu;
      const fv = v - iv;
      // Texels outside the sprite are transparent: give them zero weight (and a valid index).
      const wu0 = iu >= 0 ? 1 - fu : 0;
      const wu1 = iu + 1 < n ? fu : 0;
      const wv0 = iv >= 0 ? 1 - fv : 0;
      const wv1 = iv + 1 < n ? fv : 0;
      const cu0 = iu >= 0 ? iu : 0;
      const cu1 = iu + 1 < n ? iu + 1 : n - 1;
      const r0 = (iv >= 0 ? iv : 0) * rowStride;
      const r1 = (iv + 1 < n ? iv + 1 : n - 1) * rowStride;
      const a00 = wu0 * wv0;
      const a01 = wu1 * wv0;
      const a10 = wu0 * wv1;
      const a11 = wu1 * wv1;
      const p00 = r0 + 4 * cu0;
      const p01 = r0 + 4 * cu1;
      const p10 = r1 + 4 * cu0;
      const p11 = r1 + 4 * cu1;
      const alpha = a00 * t[p00 + 3]! + a01 * t[p01 + 3]! + a10 * t[p10 + 3]! + a11 * t[p11 + 3]!;
      if (alpha <= 0) continue;
      const keep = 1 - alpha;
      const d = 3 * (y * w + x);
      f[d] = a00 * t[p00]! + a01 * t[p01]! + a10 * t[p10]! + a11 * t[p11]! + keep * f[d]!;
      f[d + 1] = a00 * t[p00 + 1]! + a01 * t[p01 + 1]! + a10 * t[p10 + 1]! + a11 * t[p11 + 1]! + keep * f[d + 1]!;
      f[d + 2] = a00 * t[p00 + 2]! + a01 * t[p01 + 2]! + a10 * t[p10 + 2]! + a11 * t[p11 + 2]! + keep * f[d + 2]!;
    }
  }
}

/** Float RGB → bytes in `order`, rounded and clamped to 0–255. */
function quantise(f: Float32Array, out: Uint8Array, order: ChannelOrder): void {
  const r = order === 'rgb' ? 0 : 2;
  const b = 2 - r;
  for (let p = 0; p < f.length; p += 3) {
    const vr = f[p]! + 0.5;
    const vg = f[p + 1]! + 0.5;
    const vb = f[p + 2]! + 0.5;
    out[p + r] = vr <= 0 ? 0 : vr >= 255 ? 255 : vr;
    out[p + 1] = vg <= 0 ? 0 : vg >= 255 ? 255 : vg;
    out[p + b] = vb <= 0 ? 0 : vb >= 255 ? 255 : vb;
  }
}

/** Reusable float buffer for renderFrame (one per concurrent renderer). */
export function frameBuffer(scene: Scene): Float32Array {
  return new Float32Array(scene.width * scene.height * 3);
}

/**
 * Frame `i` of `scene`: width×height×3 bytes, row-major, interleaved in `order`. Pass `out` and
 * `work` (frameBuffer) to render without allocating.
 */
export function renderFrame(scene: Scene, i: number, order: ChannelOrder = 'rgb', out?: Uint8Array, work?: Float32Array): Uint8Array {
  if (!Number.isInteger(i) || i < 0 || i >= scene.frames) throw new RangeError(`frame ${i} is outside [0, ${scene.frames})`);
  const size = scene.width * scene.height * 3;
  const f = work ?? frameBuffer(scene);
  const bytes = out ?? new Uint8Array(size);
  if (f.length !== size || bytes.length !== size) throw new RangeError(`frame buffers must hold ${size} values`);
  drawBackground(scene, i, f);
  for (const o of scene.objects) {
    const p = o.poses;
    drawSprite(f, scene.width, scene.height, o.sprite, p[4 * i]!, p[4 * i + 1]!, p[4 * i + 2]!, p[4 * i + 3]!);
  }
  quantise(f, bytes, order);
  return bytes;
}

/** Every frame of `scene`, in order. */
export function renderVideo(scene: Scene, order: ChannelOrder = 'rgb'): Uint8Array[] {
  const work = frameBuffer(scene);
  return Array.from({ length: scene.frames }, (_, i) => renderFrame(scene, i, order, undefined, work));
}

/**
 * The scene's silhouettes: the objects at index `keep` (all when omitted) as white shapes on black,
 * with the same poses, anti-aliasing and mipmaps — so frame pixels are the objects' coverage × 255.
 * For measuring motion (centroid, area, orientation) on the renderer's own output.
 */
export function silhouetteScene(scene: Scene, keep?: readonly number[]): Scene {
  const white = (img: FloatImage): FloatImage => {
    const data = new Float32Array(img.data.length);
    for (let p = 0; p < data.length; p += 4) {
      const a = img.data[p + 3]!;
      data[p] = data[p + 1] = data[p + 2] = 255 * a;
      data[p + 3] = a;
    }
    return { ...img, data };
  };
  const bg = scene.background;
  return {
    ...scene,
    background: { ...bg, data: new Float32Array(bg.data.length) },
    objects: scene.objects.filter((_, k) => keep === undefined || keep.includes(k)).map((o) => ({ ...o, sprite: { ...o.sprite, levels: o.sprite.levels.map(white) } })),
  };
}
