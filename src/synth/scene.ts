/**
 * A synthetic video as data: a background texture with its per-frame offset (a slow drift), and two
 * sprites with a pose per frame. Sampling a scene draws everything at random from the video's seed;
 * rendering it (render.ts) is then a pure function of the scene and the frame number.
 *
 * Two independent random streams per video: appearance (palettes, textures, shapes, sizes, where
 * the objects are at mid-video, the drift) and motion (the class's parameters). The same seed thus
 * gives the same look whatever the class, and the object's size, angle and place at mid-video come
 * from the same uniform draws for every class (the place only squeezed so that a long path fits the
 * frame), so a single frame says little about the class. A class defined as the reversal of another
 * samples that class's scene from the same seed and reverses time: frame i of one is frame N−1−i of
 * the other, exactly.
 */
import { SeededRandom, mixSeed } from '../nn/random.js';
import { DIRECTION_JITTER_DEG, type Motion, synthClass } from './classes.js';
import { type Sprite, randomSprite } from './sprite.js';
import { type FloatImage, randomPalette, randomTexture } from './texture.js';

/** Frame size and length of a video. */
export interface SceneGeometry {
  width: number;
  height: number;
  frames: number;
}

/** One object: its sprite and, per frame, its centre x, y (px), radius (px: half the side of its square) and angle. */
export interface ObjectTrack {
  sprite: Sprite;
  /** `moving` objects carry the class's motion; the `distractor` sits still on the drifting background. */
  role: 'moving' | 'distractor';
  /** frames × 4: cx, cy, radius, angle (radians; positive turns clockwise on screen, y pointing down). */
  poses: Float64Array;
}

/** A sampled video, ready to render. */
export interface Scene {
  className: string;
  seed: number;
  width: number;
  height: number;
  frames: number;
  /** RGB texture of (width + 2·margin) × (height + 2·margin) pixels. */
  background: FloatImage;
  margin: number;
  /** frames × 2: the frame's top-left corner in the background, relative to (margin, margin). */
  backgroundOffsets: Float64Array;
  /** Drawn in this order (later on top). */
  objects: ObjectTrack[];
}

/** Background drift, px/frame (at a 128-pixel shorter side): slower than the slowest class motion. */
const MAX_DRIFT = 0.25;
/** Object radius range (px at a 128-pixel shorter side). */
const RADIUS: [number, number] = [14, 28];
/** The moving object's centre at mid-video stays within this fraction of the frame (when its path fits). */
const CENTRE_BAND: [number, number] = [0.2, 0.8];

const between = (rng: SeededRandom, [lo, hi]: readonly [number, number]): number => lo + (hi - lo) * rng.uniform();

/** A stable 32-bit key of a class name (FNV-1a): seeds depend on the class, not on its place in a list. */
export function classKey(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * The seed of video `index` of class `className` in a data set made with `seed`: independent of
 * generation order and of which other classes are generated.
 */
export function videoSeed(seed: number, className: string, index: number): number {
  return mixSeed(seed, classKey(className), index);
}

/** Checks a geometry: whole numbers, frames ≥ 2, sides 16–4096. */
export function checkGeometry(g: SceneGeometry): void {
  for (const [k, v, lo, hi] of [['width', g.width, 16, 4096], ['height', g.height, 16, 4096], ['frames', g.frames, 2, 100_000]] as const) {
    if (!Number.isSafeInteger(v) || v < lo || v > hi) throw new RangeError(`${k} must be an integer in [${lo}, ${hi}], got ${v}`);
  }
}

/**
 * Where a path of extent `d` (px) is centred along an axis of `size` px, from a uniform `q` in [0, 1):
 * uniform over the positions that keep the whole path inside CENTRE_BAND, or the band's middle when
 * the path is longer than the band (the object then leaves the band at its ends).
 */
function fitCentre(q: number, d: number, size: number): number {
  const lo = CENTRE_BAND[0] * size;
  const hi = CENTRE_BAND[1] * size;
  return d >= hi - lo ? (lo + hi) / 2 : lo + d / 2 + q * (hi - lo - d);
}

/** The appearance draw: everything but the class's motion. */
interface Appearance {
  background: FloatImage;
  margin: number;
  offsets: Float64Array;
  sprites: [Sprite, Sprite];
  radii: [number, number];
  angles: [number, number];
  /** Uniform numbers placing the moving object (or pair) at mid-video. */
  place: [number, number];
  /** The distractor's centre relative to the background. */
  distractor: [number, number];
  distractorOnTop: boolean;
}

function sampleAppearance(rng: SeededRandom, g: SceneGeometry, unit: number): Appearance {
  const half = (g.frames - 1) / 2;
  const margin = Math.ceil(MAX_DRIFT * unit * half) + 2;
  // Object and background palettes from disjoint brightness bands, the brighter one chosen at random.
  const objectBright = rng.uniform() < 0.5;
  const [bgBand, objBand]: [number, number][] = objectBright ? [[0.1, 0.5], [0.55, 1]] : [[0.5, 0.95], [0.08, 0.45]];
  const background = randomTexture(
    rng, g.width + 2 * margin, g.height + 2 * margin, randomPalette(rng, bgBand[0]!, bgBand[1]!), unit * between(rng, [4, 16]),
  );
  const driftSpeed = MAX_DRIFT * unit * rng.uniform();
  const driftAngle = 2 * Math.PI * rng.uniform();
  const offsets = new Float64Array(2 * g.frames);
  for (let i = 0; i < g.frames; i++) {
    offsets[2 * i] = driftSpeed * Math.cos(driftAngle) * (i - half);
    offsets[2 * i + 1] = driftSpeed * Math.sin(driftAngle) * (i - half);
  }
  const sprites: [Sprite, Sprite] = [randomSprite(rng, randomPalette(rng, objBand[0]!, objBand[1]!)), randomSprite(rng, randomPalette(rng, objBand[0]!, objBand[1]!))];
  return {
    background,
    margin,
    offsets,
    sprites,
    radii: [unit * between(rng, RADIUS), unit * between(rng, RADIUS)],
    angles: [2 * Math.PI * rng.uniform(), 2 * Math.PI * rng.uniform()],
    place: [rng.uniform(), rng.uniform()],
    distractor: [g.width * between(rng, [0.15, 0.85]), g.height * between(rng, [0.15, 0.85])],
    distractorOnTop: rng.uniform() < 0.5,
  };
}

/** Per-frame poses of the moving object(s) of a (non-reversed) motion. */
function motionPoses(motion: Motion, rng: SeededRandom, a: Appearance, g: SceneGeometry, unit: number): Float64Array[] {
  const n = g.frames;
  const half = (n - 1) / 2;
  const [r0, r1] = a.radii;
  const [th0, th1] = a.angles;
  const poses = (fill: (i: number, p: Float64Array) => void): Float64Array => {
    const p = new Float64Array(4 * n);
    for (let i = 0; i < n; i++) fill(i, p);
    return p;
  };
  const set = (p: Float64Array, i: number, cx: number, cy: number, r: number, th: number): void => {
    p[4 * i] = cx;
    p[4 * i + 1] = cy;
    p[4 * i + 2] = r;
    p[4 * i + 3] = th;
  };
  switch (motion.kind) {
    case 'translate': {
      const angle = ((motion.angle + (2 * rng.uniform() - 1) * DIRECTION_JITTER_DEG) * Math.PI) / 180;
      const speed = unit * between(rng, motion.speed);
      const vx = speed * Math.cos(angle);
      const vy = speed * Math.sin(angle);
      const mx = fitCentre(a.place[0], Math.abs(vx) * (n - 1), g.width);
      const my = fitCentre(a.place[1], Math.abs(vy) * (n - 1), g.height);
      return [poses((i, p) => set(p, i, mx + vx * (i - half), my + vy * (i - half), r0, th0))];
    }
    case 'rotate': {
      const w = (between(rng, motion.degPerFrame) * Math.PI) / 180;
      const mx = fitCentre(a.place[0], 0, g.width);
      const my = fitCentre(a.place[1], 0, g.height);
      return [poses((i, p) => set(p, i, mx, my, r0, th0 + w * (i - half)))];
    }
    case 'zoom': {
      const rate = between(rng, motion.rate);
      const mx = fitCentre(a.place[0], 0, g.width);
      const my = fitCentre(a.place[1], 0, g.height);
      return [poses((i, p) => set(p, i, mx, my, r0 * Math.exp(rate * (i - half)), th0))];
    }
    case 'oscillate': {
      const amp = unit * between(rng, motion.amplitude);
      const period = between(rng, motion.period);
      const axis = Math.PI * rng.uniform();
      const phase = 2 * Math.PI * rng.uniform();
      const ax = amp * Math.cos(axis);
      const ay = amp * Math.sin(axis);
      const mx = fitCentre(a.place[0], 2 * Math.abs(ax), g.width);
      const my = fitCentre(a.place[1], 2 * Math.abs(ay), g.height);
      return [poses((i, p) => {
        const s = Math.sin((2 * Math.PI * (i - half)) / period + phase);
        set(p, i, mx + ax * s, my + ay * s, r0, th0);
      })];
    }
    case 'pulse': {
      const amp = between(rng, motion.amplitude);
      const period = between(rng, motion.period);
      const phase = 2 * Math.PI * rng.uniform();
      const mx = fitCentre(a.place[0], 0, g.width);
      const my = fitCentre(a.place[1], 0, g.height);
      return [poses((i, p) => set(p, i, mx, my, r0 * Math.exp(amp * Math.sin((2 * Math.PI * (i - half)) / period + phase)), th0))];
    }
    case 'apart': {
      const speed = unit * between(rng, motion.speed);
      const axis = 2 * Math.PI * rng.uniform();
      const dx = Math.cos(axis);
      const dy = Math.sin(axis);
      // Frame 0: the shapes (which reach 0.9 of their radius) about touch; then each moves outwards.
      const h0 = 0.5 * (r0 + r1) * (0.55 + 0.3 * rng.uniform());
      const hMax = h0 + speed * (n - 1);
      const mx = fitCentre(a.place[0], 2 * hMax * Math.abs(dx), g.width);
      const my = fitCentre(a.place[1], 2 * hMax * Math.abs(dy), g.height);
      return [
        poses((i, p) => set(p, i, mx + dx * (h0 + speed * i), my + dy * (h0 + speed * i), r0, th0)),
        poses((i, p) => set(p, i, mx - dx * (h0 + speed * i), my - dy * (h0 + speed * i), r1, th1)),
      ];
    }
  }
}

/** The same scene played backwards: poses and background offsets in reverse frame order. */
export function reverseScene(scene: Scene, className = scene.className): Scene {
  const n = scene.frames;
  const flip = (a: Float64Array, k: number): Float64Array => {
    const out = new Float64Array(a.length);
    for (let i = 0; i < n; i++) out.set(a.subarray(k * i, k * i + k), k * (n - 1 - i));
    return out;
  };
  return {
    ...scene,
    className,
    backgroundOffsets: flip(scene.backgroundOffsets, 2),
    objects: scene.objects.map((o) => ({ ...o, poses: flip(o.poses, 4) })),
  };
}

/**
 * Draws the scene of one video of class `className` from `seed` (e.g. videoSeed(runSeed, class,
 * index)). Deterministic: the same arguments give the same scene on every run and machine.
 */
export function sampleScene(className: string, seed: number, geometry: SceneGeometry): Scene {
  checkGeometry(geometry);
  const cls = synthClass(className);
  if (cls.motion.kind === 'reverse') return reverseScene(sampleScene(cls.motion.of, seed, geometry), className);
  const unit = Math.min(geometry.width, geometry.height) / 128;
  const a = sampleAppearance(new SeededRandom(mixSeed(seed, 1)), geometry, unit);
  const moving = motionPoses(cls.motion, new SeededRandom(mixSeed(seed, 2)), a, geometry, unit);
  const objects: ObjectTrack[] = moving.map((poses, k) => ({ sprite: a.sprites[k]!, role: 'moving' as const, poses }));
  if (objects.length === 1) {
    // The second sprite sits still on the background, drifting with it: every video shows two objects.
    const poses = new Float64Array(4 * geometry.frames);
    for (let i = 0; i < geometry.frames; i++) {
      poses[4 * i] = a.distractor[0] - a.offsets[2 * i]!;
      poses[4 * i + 1] = a.distractor[1] - a.offsets[2 * i + 1]!;
      poses[4 * i + 2] = a.radii[1];
      poses[4 * i + 3] = a.angles[1];
    }
    const d: ObjectTrack = { sprite: a.sprites[1], role: 'distractor', poses };
    if (a.distractorOnTop) objects.push(d);
    else objects.unshift(d);
  } else if (a.distractorOnTop) {
    objects.reverse();
  }
  return {
    className,
    seed,
    width: geometry.width,
    height: geometry.height,
    frames: geometry.frames,
    background: a.background,
    margin: a.margin,
    backgroundOffsets: a.offsets,
    objects,
  };
}
