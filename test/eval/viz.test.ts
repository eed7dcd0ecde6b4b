import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import { linePlotPng } from '../../src/viz/line-plot.js';
import { scatterPng } from '../../src/viz/scatter.js';
import { rocPng } from '../../src/viz/roc.js';
import { Canvas } from '../../src/viz/canvas.js';
import { glyph } from '../../src/viz/font.js';

/** Decodes PNG bytes; counts pixels that are not white and pixels of a given colour. */
function decode(bytes: Buffer, colour?: readonly [number, number, number]): { width: number; height: number; ink: number; hits: number } {
  const png = PNG.sync.read(bytes);
  let ink = 0, hits = 0;
  for (let i = 0; i < png.width * png.height; i++) {
    const [r, g, b] = [png.data[4 * i]!, png.data[4 * i + 1]!, png.data[4 * i + 2]!];
    if (r !== 255 || g !== 255 || b !== 255) ink++;
    if (colour && r === colour[0] && g === colour[1] && b === colour[2]) hits++;
  }
  return { width: png.width, height: png.height, ink, hits };
}

test('line plot PNG decodes with the requested size, axes and the data line drawn', () => {
  const png = linePlotPng({ title: 'Accuracy vs dims', xLabel: 'dims', yLabel: 'accuracy', x: [10, 50, 100, 500], y: [0.528, 0.726, 0.756, 0.794], logX: true, width: 500, height: 300 });
  const d = decode(png, [31, 119, 180]);
  assert.equal(d.width, 500);
  assert.equal(d.height, 300);
  assert.ok(d.hits > 200, `line pixels ${d.hits}`);
  assert.throws(() => linePlotPng({ x: [1], y: [] }), /1 x values for 0 y values/);
});

test('scatter PNG colours each class and draws a legend swatch per class', () => {
  const points = Float32Array.from([0, 0, 1, 1, 5, 5, 6, 6]);
  const png = scatterPng({ points, classes: Int32Array.from([0, 0, 1, 1]), classNames: ['walk', 'run'], width: 400, height: 300 });
  const d0 = decode(png, [31, 119, 180]);
  const d1 = decode(png, [255, 127, 14]);
  assert.equal(d0.width, 400);
  assert.ok(d0.hits >= 2 * 9 + 64 && d1.hits >= 2 * 9 + 64, `${d0.hits} ${d1.hits}`); // 2 dots + an 8×8 swatch each
  assert.throws(() => scatterPng({ points, classes: Int32Array.from([0]), classNames: ['a'] }), /4 points for 1 class labels/);
});

test('ROC PNG decodes and shows the curve', () => {
  const d = decode(rocPng({ fpr: [0, 0, 1], tpr: [0, 1, 1] }, 'ROC'), [214, 39, 40]);
  assert.equal(d.width, 560);
  assert.ok(d.hits > 500);
});

test('font: text ink matches the glyph bitmaps', () => {
  const c = new Canvas(20, 10);
  c.text(0, 0, '1', [0, 0, 0]);
  const inkGlyph = glyph('1').flat().filter(Boolean).length;
  let ink = 0;
  for (let i = 0; i < 200; i++) if (c.data[4 * i] === 0) ink++;
  assert.equal(ink, inkGlyph);
  assert.deepEqual(glyph('a'), glyph('A'));
  assert.deepEqual(glyph('\u0001'), glyph('?'));
});
