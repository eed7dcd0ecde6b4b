/** An RGBA raster with the few drawing ops plots need, encoded to PNG with pngjs. */
import { PNG } from 'pngjs';
import { glyph, textWidth, GLYPH_HEIGHT } from './font.js';

export type Rgb = readonly [number, number, number];

export class Canvas {
  readonly data: Uint8Array;

  constructor(readonly width: number, readonly height: number, background: Rgb = [255, 255, 255]) {
    this.data = new Uint8Array(width * height * 4);
    for (let i = 0; i < width * height; i++) this.data.set([background[0], background[1], background[2], 255], i * 4);
  }

  pixel(x: number, y: number, c: Rgb): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const o = (y * this.width + x) * 4;
    this.data[o] = c[0];
    this.data[o + 1] = c[1];
    this.data[o + 2] = c[2];
  }

  fillRect(x: number, y: number, w: number, h: number, c: Rgb): void {
    for (let j = Math.round(y); j < Math.round(y + h); j++) for (let i = Math.round(x); i < Math.round(x + w); i++) this.pixel(i, j, c);
  }

  /** A line of `width` pixels (Bresenham, thickened with a square brush). */
  line(x0: number, y0: number, x1: number, y1: number, c: Rgb, width = 1): void {
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    const r = (width - 1) / 2;
    for (let s = 0; s <= steps; s++) {
      const x = x0 + ((x1 - x0) * s) / steps;
      const y = y0 + ((y1 - y0) * s) / steps;
      if (width <= 1) this.pixel(x, y, c);
      else this.fillRect(x - r, y - r, width, width, c);
    }
  }

  /** A filled disc. */
  dot(cx: number, cy: number, radius: number, c: Rgb): void {
    for (let dy = -Math.ceil(radius); dy <= Math.ceil(radius); dy++) {
      for (let dx = -Math.ceil(radius); dx <= Math.ceil(radius); dx++) {
        if (dx * dx + dy * dy <= radius * radius + 0.5) this.pixel(cx + dx, cy + dy, c);
      }
    }
  }

  /** Text with its top-left at (x, y); `align` positions it relative to x. */
  text(x: number, y: number, s: string, c: Rgb = [0, 0, 0], scale = 1, align: 'left' | 'center' | 'right' = 'left'): void {
    const w = textWidth(s, scale);
    let px = align === 'left' ? x : align === 'center' ? x - w / 2 : x - w;
    for (const ch of s) {
      const g = glyph(ch);
      for (let r = 0; r < GLYPH_HEIGHT; r++) for (let k = 0; k < 5; k++) if (g[r]![k]) this.fillRect(px + k * scale, y + r * scale, scale, scale, c);
      px += 6 * scale;
    }
  }

  /** Text rotated 90° counter-clockwise (for y-axis labels), centred vertically on y. */
  textVertical(x: number, y: number, s: string, c: Rgb = [0, 0, 0], scale = 1): void {
    let py = y + textWidth(s, scale) / 2;
    for (const ch of s) {
      const g = glyph(ch);
      for (let r = 0; r < GLYPH_HEIGHT; r++) for (let k = 0; k < 5; k++) if (g[r]![k]) this.fillRect(x + r * scale, py - (k + 1) * scale, scale, scale, c);
      py -= 6 * scale;
    }
  }

  toPng(): Buffer {
    const png = new PNG({ width: this.width, height: this.height });
    png.data = Buffer.from(this.data.buffer, this.data.byteOffset, this.data.byteLength);
    return PNG.sync.write(png);
  }
}
