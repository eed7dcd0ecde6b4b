/**
 * Rows of frames as a PNG (the paper's figures: the projected frames above the cropped input frames)
 * and as an animated GIF (gifenc: a palette per frame, looping).
 */
import gifenc from 'gifenc';
import { Canvas, type Rgb } from './canvas.js';
import { GLYPH_HEIGHT } from './font.js';
import type { RgbImage } from './clip-frames.js';

export interface StripOptions {
  /** Pixels between frames and between rows (default 2). */
  gap?: number;
  /** Lines of text above the rows. */
  title?: readonly string[];
  /** Extra pixels between groups of `groupRows` rows (an App. B grid separates its clips; default 0). */
  groupGap?: number;
  groupRows?: number;
  background?: Rgb;
}

const TITLE_LINE = GLYPH_HEIGHT + 5;

/** Size of the canvas `stripCanvas` draws for these rows. */
export function stripSize(rows: readonly (readonly RgbImage[])[], o: StripOptions = {}): { width: number; height: number } {
  const gap = o.gap ?? 2;
  const fw = Math.max(...rows.map((r) => Math.max(...r.map((f) => f.width))));
  const fh = Math.max(...rows.map((r) => Math.max(...r.map((f) => f.height))));
  const cols = Math.max(...rows.map((r) => r.length));
  const groups = o.groupRows ? Math.ceil(rows.length / o.groupRows) : 1;
  return {
    width: cols * fw + (cols + 1) * gap,
    height: (o.title?.length ?? 0) * TITLE_LINE + rows.length * fh + (rows.length + 1) * gap + (groups - 1) * (o.groupGap ?? 0),
  };
}

/** Frames laid out in rows (each frame in a cell of the largest frame's size), white background. */
export function stripCanvas(rows: readonly (readonly RgbImage[])[], o: StripOptions = {}): Canvas {
  if (rows.length === 0 || rows.some((r) => r.length === 0)) throw new Error('strip: no frames to draw');
  const gap = o.gap ?? 2;
  const { width, height } = stripSize(rows, o);
  const c = new Canvas(width, height, o.background ?? [255, 255, 255]);
  const fw = Math.max(...rows.map((r) => Math.max(...r.map((f) => f.width))));
  const fh = Math.max(...rows.map((r) => Math.max(...r.map((f) => f.height))));
  let y = 0;
  for (const line of o.title ?? []) {
    c.text(gap + 2, y + 3, line, [0, 0, 0]);
    y += TITLE_LINE;
  }
  y += gap;
  rows.forEach((row, r) => {
    if (o.groupRows && r > 0 && r % o.groupRows === 0) y += o.groupGap ?? 0;
    row.forEach((f, i) => blit(c, f, gap + i * (fw + gap), y));
    y += fh + gap;
  });
  return c;
}

/** Copies an RGB image into the canvas with its top-left at (x0, y0). */
export function blit(c: Canvas, img: RgbImage, x0: number, y0: number): void {
  for (let y = 0; y < img.height; y++) {
    const row = (y0 + y) * c.width;
    for (let x = 0; x < img.width; x++) {
      const o = (row + x0 + x) * 4;
      const s = (y * img.width + x) * 3;
      c.data[o] = img.data[s]!;
      c.data[o + 1] = img.data[s + 1]!;
      c.data[o + 2] = img.data[s + 2]!;
    }
  }
}

/** The rows as a PNG file's bytes. */
export function stripPng(rows: readonly (readonly RgbImage[])[], o: StripOptions = {}): Buffer {
  return stripCanvas(rows, o).toPng();
}

/**
 * An animated GIF, frame t showing frame t of every row stacked vertically (e.g. projection above
 * input), looping, `delayMs` per frame (default 125 ms: 8 frames/s, half the clips' usual 16 fps
 * so the motion can be followed). Each frame gets its own 256-colour palette.
 */
export function stackedGif(rows: readonly (readonly RgbImage[])[], delayMs = 125, gap = 2): Uint8Array {
  const n = rows[0]?.length ?? 0;
  if (n === 0 || rows.some((r) => r.length !== n)) throw new Error('gif: every row needs the same, non-zero number of frames');
  const { GIFEncoder, quantize, applyPalette } = gifenc;
  const enc = GIFEncoder();
  for (let t = 0; t < n; t++) {
    const c = stripCanvas(rows.map((r) => [r[t]!]), { gap });
    const palette = quantize(c.data, 256);
    enc.writeFrame(applyPalette(c.data, palette), c.width, c.height, { palette, delay: delayMs, repeat: 0 });
  }
  enc.finish();
  return enc.bytes();
}
