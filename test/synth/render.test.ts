/**
 * The synthetic-video renderer: deterministic, the motion is what each class says (measured on the
 * renderer's own frames via silhouettes), reversal pairs are exact time reversals, and a single frame's
 * colours do not depend on the class.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  DIRECTION_JITTER_DEG, SYNTH_CLASSES, SYNTH_CLASS_SETS, type Scene, renderFrame, renderVideo, resolveSynthClasses, reversalPartner,
  sampleScene, silhouetteScene, synthClass, videoSeed,
} from '../../src/synth/index.js';

/** C3D's frame geometry (so 1 px here is 1 px of the class definitions); 17 frames: frame 8 is mid-video. */
const G = { width: 171, height: 128, frames: 17 };

const sha1 = (frames: Uint8Array[]): string => {
  const h = createHash('sha1');
  for (const f of frames) h.update(f);
  return h.digest('hex');
};

/** Coverage moments of a silhouette frame (RGB, white on black): area (px), centroid, orientation. */
function moments(frame: Uint8Array, w: number, h: number): { area: number; cx: number; cy: number; angle: number; anisotropy: number } {
  let m = 0;
  let sx = 0;
  let sy = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const a = frame[3 * (y * w + x)]! / 255;
      m += a;
      sx += a * x;
      sy += a * y;
    }
  }
  const cx = sx / m;
  const cy = sy / m;
  let xx = 0;
  let yy = 0;
  let xy = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const a = frame[3 * (y * w + x)]! / 255;
      xx += a * (x - cx) ** 2;
      yy += a * (y - cy) ** 2;
      xy += a * (x - cx) * (y - cy);
    }
  }
  const root = Math.hypot(xx - yy, 2 * xy);
  return { area: m, cx, cy, angle: 0.5 * Math.atan2(2 * xy, xx - yy), anisotropy: (xx + yy + root) / (xx + yy - root) };
}

/** Per-frame moments of the objects at `keep` (indices into scene.objects). */
function track(scene: Scene, keep: number[]) {
  const s = silhouetteScene(scene, keep);
  return renderVideo(s).map((f) => moments(f, s.width, s.height));
}

const movingIndices = (scene: Scene): number[] => scene.objects.flatMap((o, k) => (o.role === 'moving' ? [k] : []));
/** Angle difference wrapped to (−π/2, π/2]: orientation is defined modulo π. */
const wrapHalfTurn = (a: number): number => a - Math.PI * Math.round(a / Math.PI);
const deg = (r: number): number => (r * 180) / Math.PI;

test('same seed → byte-identical frames; another video index or class → different frames', () => {
  const a = renderVideo(sampleScene('ZoomIn', videoSeed(7, 'ZoomIn', 1), G));
  const b = renderVideo(sampleScene('ZoomIn', videoSeed(7, 'ZoomIn', 1), G));
  assert.equal(a.length, G.frames);
  assert.equal(a[0]!.length, G.width * G.height * 3);
  assert.equal(sha1(a), sha1(b));
  assert.notEqual(sha1(renderVideo(sampleScene('ZoomIn', videoSeed(7, 'ZoomIn', 2), G))), sha1(a));
  assert.notEqual(sha1(renderVideo(sampleScene('ZoomIn', videoSeed(8, 'ZoomIn', 1), G))), sha1(a));
  assert.notEqual(videoSeed(7, 'ZoomIn', 1), videoSeed(7, 'ZoomOut', 1));
  // Consecutive frames differ (the video moves) and are not flat.
  assert.ok(a[0]!.some((v, i) => v !== a[G.frames - 1]![i]));
  assert.ok(new Set(a[0]).size > 50);
});

test('the rendering of a fixed seed is pinned (a change must bump SYNTH_GENERATOR_VERSION, then update this hash)', () => {
  const frames = renderVideo(sampleScene('RotateClockwise', videoSeed(1, 'RotateClockwise', 1), { width: 64, height: 48, frames: 4 }));
  assert.equal(sha1(frames), 'a75c1ced568856357d9a0b9f9ced4a2eb360d429');
});

test('BGR output is the RGB output with channels swapped', () => {
  const scene = sampleScene('Pulse', 3, G);
  const rgb = renderFrame(scene, 5, 'rgb');
  const bgr = renderFrame(scene, 5, 'bgr');
  for (let p = 0; p < rgb.length; p += 3) {
    assert.equal(bgr[p], rgb[p + 2]);
    assert.equal(bgr[p + 1], rgb[p + 1]);
    assert.equal(bgr[p + 2], rgb[p]);
  }
  assert.throws(() => renderFrame(scene, G.frames), /frame 17 is outside \[0, 17\)/);
});

test('translation classes move their object in the class direction at the class speed', () => {
  const nominal: Record<string, { angle: number; speed: [number, number] }> = {};
  for (const c of SYNTH_CLASSES) {
    const m = c.motion.kind === 'reverse' ? synthClass(c.motion.of).motion : c.motion;
    if (m.kind !== 'translate') continue;
    const reversed = c.motion.kind === 'reverse';
    nominal[c.name] = { angle: m.angle + (reversed ? 180 : 0), speed: m.speed };
  }
  assert.equal(Object.keys(nominal).length, 12);
  const expectDir: Record<string, [number, number]> = {
    MoveRightSlow: [1, 0], MoveLeftFast: [-1, 0], MoveUpSlow: [0, -1], MoveDownFast: [0, 1],
    MoveDownRight: [1, 1], MoveUpLeft: [-1, -1], MoveDownLeft: [-1, 1], MoveUpRight: [1, -1],
  };
  for (const [name, { angle, speed }] of Object.entries(nominal)) {
    for (let v = 1; v <= 4; v++) {
      const scene = sampleScene(name, videoSeed(1, name, v), G);
      const t = track(scene, movingIndices(scene));
      const first = t[0]!;
      const last = t[t.length - 1]!;
      const dx = last.cx - first.cx;
      const dy = last.cy - first.cy;
      const where = `${name} video ${v}`;
      // Screen direction (y down) within the class's jitter (plus a little for the measurement).
      const off = Math.abs(((deg(Math.atan2(dy, dx)) - angle + 540) % 360) - 180);
      assert.ok(off <= DIRECTION_JITTER_DEG + 3, `${where}: moved at ${deg(Math.atan2(dy, dx)).toFixed(1)}°, class says ${angle}°`);
      const sp = Math.hypot(dx, dy) / (G.frames - 1);
      assert.ok(sp >= speed[0] * 0.9 && sp <= speed[1] * 1.1, `${where}: ${sp.toFixed(2)} px/frame outside ${speed.join('–')}`);
      const e = expectDir[name];
      // What the name says on screen (independently of the catalogue's angles): within the jitter of it.
      if (e) {
        const cos = (dx * e[0] + dy * e[1]) / (Math.hypot(dx, dy) * Math.hypot(e[0], e[1]));
        assert.ok(cos >= Math.cos(((DIRECTION_JITTER_DEG + 3) * Math.PI) / 180), `${where}: moved by (${dx.toFixed(1)}, ${dy.toFixed(1)})`);
      }
      // Constant velocity: every step within a pixel of the mean step.
      for (let i = 1; i < t.length; i++) {
        const step = Math.hypot(t[i]!.cx - t[i - 1]!.cx - dx / (G.frames - 1), t[i]!.cy - t[i - 1]!.cy - dy / (G.frames - 1));
        assert.ok(step < 0.5, `${where}: frame ${i} step deviates by ${step.toFixed(2)} px`);
      }
    }
  }
});

test('RotateClockwise turns clockwise on screen, RotateCounterclockwise the other way, at 2.5–6°/frame', () => {
  for (const [name, sign] of [['RotateClockwise', 1], ['RotateCounterclockwise', -1]] as const) {
    let checked = 0;
    for (let v = 1; checked < 4 && v < 40; v++) {
      const scene = sampleScene(name, videoSeed(1, name, v), G);
      const t = track(scene, movingIndices(scene));
      // Orientation needs an elongated silhouette (a square or triangle has isotropic moments).
      if (t.some((m) => m.anisotropy < 1.6)) continue;
      checked++;
      const steps = t.slice(1).map((m, i) => deg(wrapHalfTurn(m.angle - t[i]!.angle)));
      const mean = steps.reduce((s, x) => s + x, 0) / steps.length;
      // Positive angle in image coordinates (y down) is clockwise on screen.
      assert.ok(sign * mean >= 2.3 && sign * mean <= 6.2, `${name} video ${v}: ${mean.toFixed(2)}°/frame`);
      assert.ok(steps.every((s) => sign * s > 0), `${name} video ${v}: not monotonic: ${steps.map((s) => s.toFixed(1)).join(' ')}`);
      // Rotation about the object's centre: the centroid stays put.
      assert.ok(Math.hypot(t[0]!.cx - t[16]!.cx, t[0]!.cy - t[16]!.cy) < 0.5);
    }
    assert.equal(checked, 4, `${name}: too few elongated shapes`);
  }
});

test('ZoomIn grows and ZoomOut shrinks at the class rate; Pulse grows and shrinks in place', () => {
  for (const [name, sign] of [['ZoomIn', 1], ['ZoomOut', -1]] as const) {
    for (let v = 1; v <= 4; v++) {
      const scene = sampleScene(name, videoSeed(1, name, v), G);
      const t = track(scene, movingIndices(scene));
      for (let i = 1; i < t.length; i++) assert.ok(sign * (t[i]!.area - t[i - 1]!.area) > 0, `${name} video ${v}: area not monotonic at frame ${i}`);
      // Area grows as size²: rate = ln(area ratio) / (2 · steps), the class draws 0.013–0.035.
      const rate = Math.log(t[16]!.area / t[0]!.area) / (2 * 16);
      assert.ok(sign * rate >= 0.012 && sign * rate <= 0.037, `${name} video ${v}: rate ${rate.toFixed(4)}`);
      assert.ok(Math.hypot(t[0]!.cx - t[16]!.cx, t[0]!.cy - t[16]!.cy) < 0.5, `${name} video ${v}: centre moved`);
    }
  }
  for (let v = 1; v <= 4; v++) {
    const scene = sampleScene('Pulse', videoSeed(1, 'Pulse', v), G);
    const t = track(scene, movingIndices(scene));
    const turns = t.slice(2).filter((m, i) => Math.sign(m.area - t[i + 1]!.area) !== Math.sign(t[i + 1]!.area - t[i]!.area)).length;
    assert.ok(turns >= 1, `Pulse video ${v}: area never turns`);
    assert.ok(Math.hypot(t[0]!.cx - t[16]!.cx, t[0]!.cy - t[16]!.cy) < 0.5);
  }
});

test('Oscillate goes back and forth along one axis; Diverge / Converge move the two objects apart / together', () => {
  for (let v = 1; v <= 4; v++) {
    const scene = sampleScene('Oscillate', videoSeed(1, 'Oscillate', v), G);
    const t = track(scene, movingIndices(scene));
    // Along the axis of largest spread, the velocity changes sign at least once (period ≤ 16 frames).
    const xs = t.map((m) => m.cx);
    const ys = t.map((m) => m.cy);
    const spread = (a: number[]) => Math.max(...a) - Math.min(...a);
    const along = spread(xs) >= spread(ys) ? xs : ys;
    const turns = along.slice(2).filter((p, i) => Math.sign(p - along[i + 1]!) !== Math.sign(along[i + 1]! - along[i]!)).length;
    assert.ok(turns >= 1, `Oscillate video ${v}: no turning point`);
    assert.ok(Math.hypot(spread(xs), spread(ys)) <= 2 * 12 + 0.5, `Oscillate video ${v}: spread beyond the amplitude`);
  }
  for (const [name, sign] of [['Diverge', 1], ['Converge', -1]] as const) {
    for (let v = 1; v <= 4; v++) {
      const scene = sampleScene(name, videoSeed(1, name, v), G);
      const moving = movingIndices(scene);
      assert.equal(moving.length, 2);
      const a = track(scene, [moving[0]!]);
      const b = track(scene, [moving[1]!]);
      const dist = a.map((m, i) => Math.hypot(m.cx - b[i]!.cx, m.cy - b[i]!.cy));
      for (let i = 1; i < dist.length; i++) assert.ok(sign * (dist[i]! - dist[i - 1]!) > 0, `${name} video ${v}: distance not monotonic at frame ${i}`);
      const rate = (dist[16]! - dist[0]!) / 16;
      // Each object 0.5–1.4 px/frame, so the distance changes by twice that (less where an object leaves the frame).
      assert.ok(sign * rate >= 0.9 && sign * rate <= 2.9, `${name} video ${v}: ${rate.toFixed(2)} px/frame`);
    }
  }
});

test('every video shows two objects; the distractor drifts no faster than the background (≤ 0.25 px/frame)', () => {
  for (const c of SYNTH_CLASSES) {
    const scene = sampleScene(c.name, videoSeed(1, c.name, 1), G);
    assert.equal(scene.objects.length, 2, c.name);
    const d = scene.objects.findIndex((o) => o.role === 'distractor');
    if (d < 0) {
      assert.ok(c.name === 'Diverge' || c.name === 'Converge', c.name);
      continue;
    }
    const p = scene.objects[d]!.poses;
    const moved = Math.hypot(p[4 * 16]! - p[0]!, p[4 * 16 + 1]! - p[1]!) / 16;
    assert.ok(moved <= 0.25 + 1e-9, `${c.name}: distractor drifts ${moved} px/frame`);
  }
});

test('reversal pairs: a class defined as another played backwards renders exactly its frames in reverse order', () => {
  const pairs = SYNTH_CLASSES.filter((c) => c.motion.kind === 'reverse');
  assert.equal(pairs.length, 9);
  for (const c of pairs) {
    const of = reversalPartner(c.name)!;
    assert.equal(reversalPartner(of), c.name);
    for (const seed of [11, 12]) {
      const fwd = renderVideo(sampleScene(of, seed, G));
      const back = renderVideo(sampleScene(c.name, seed, G));
      for (let i = 0; i < G.frames; i++) assert.deepEqual(back[i], fwd[G.frames - 1 - i], `${c.name} frame ${i} vs ${of} frame ${G.frames - 1 - i}`);
    }
  }
  assert.equal(reversalPartner('Oscillate'), undefined);
  // The `reversal` set is made of whole pairs.
  const set = SYNTH_CLASS_SETS.reversal!.classes;
  for (const c of set) assert.ok(set.includes(reversalPartner(c)!), c);
});

test('a single frame does not tell the class: mean colours of a random frame have the same distribution for every class', () => {
  const perClass = 30;
  const stats = SYNTH_CLASSES.map((c) => {
    const means: [number, number, number][] = [];
    for (let v = 1; v <= perClass; v++) {
      const scene = sampleScene(c.name, videoSeed(5, c.name, v), G);
      const f = renderFrame(scene, (v * 7) % G.frames);
      const m: [number, number, number] = [0, 0, 0];
      for (let p = 0; p < f.length; p += 3) for (let k = 0; k < 3; k++) m[k]! += f[p + k]!;
      means.push(m.map((s) => s / (f.length / 3)) as [number, number, number]);
    }
    return { name: c.name, means };
  });
  const all = stats.flatMap((s) => s.means);
  for (let k = 0; k < 3; k++) {
    const values = all.map((m) => m[k]!);
    const mean = values.reduce((s, x) => s + x, 0) / values.length;
    const sd = Math.sqrt(values.reduce((s, x) => s + (x - mean) ** 2, 0) / (values.length - 1));
    assert.ok(sd > 10, 'colours vary between videos');
    for (const s of stats) {
      const classMean = s.means.reduce((t, m) => t + m[k]!, 0) / perClass;
      // 60 comparisons: |z| < 4 is far beyond chance fluctuation, yet catches a colour that follows the class.
      const z = (classMean - mean) / (sd / Math.sqrt(perClass));
      assert.ok(Math.abs(z) < 4, `${s.name}: channel ${k} mean ${classMean.toFixed(1)} vs ${mean.toFixed(1)} overall (z = ${z.toFixed(2)})`);
    }
  }
});

test('class names and sets resolve; unknown names list the known ones', () => {
  assert.equal(resolveSynthClasses('all').length, 20);
  assert.deepEqual(resolveSynthClasses('BASIC'), [...SYNTH_CLASS_SETS.basic!.classes]);
  assert.deepEqual(resolveSynthClasses('zoomout, ZoomIn'), ['ZoomOut', 'ZoomIn']);
  assert.throws(() => resolveSynthClasses('ZoomIn,Spin'), /^Error: unknown class 'Spin'; known classes: MoveRightSlow, .*Converge; sets: all, basic, reversal, translation$/);
  assert.throws(() => resolveSynthClasses('ZoomIn,zoomin'), /class ZoomIn is given twice/);
  assert.throws(() => sampleScene('Spin', 1, G), /unknown class 'Spin' \(known: MoveRightSlow/);
  assert.throws(() => sampleScene('ZoomIn', 1, { ...G, frames: 1 }), /frames must be an integer in \[2, 100000\], got 1/);
  for (const s of Object.values(SYNTH_CLASS_SETS)) for (const c of s.classes) synthClass(c);
});
