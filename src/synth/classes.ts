/**
 * The motion classes of `c3d synth`. A class is defined by motion alone: appearance, position, size
 * and textures are drawn from the same distributions for every class. Class names are an interface
 * (folder names, classInd.txt, `--classes`): never rename one.
 *
 * Time-reversal pairs (MoveLeft… and MoveRight…, MoveUp… and MoveDown…, the diagonals, RotateClockwise/
 * RotateCounterclockwise, ZoomIn/ZoomOut, Converge/Diverge): the second class of a pair is defined as
 * the first one played backwards (scene.ts), so for the same random draw its frames are exactly the
 * first's in reverse order. A net blind to frame order (temporal depth 1 with time-tiling pools) sees
 * the same set of frames for both and cannot separate them.
 *
 * Speeds and sizes are in pixels of a frame whose shorter side is 128 (C3D's 128×171) and scale with
 * the frame size; speeds are per frame, so any clip cut from a video shows the same motion.
 */

/** How a class moves its object(s); the numbers are the ranges each video draws from. */
export type Motion =
  /** Constant velocity at `angle` degrees (0 = right, 90 = down: image coordinates), ±DIRECTION_JITTER_DEG. */
  | { kind: 'translate'; angle: number; speed: [number, number] }
  /** Spin about the object's centre; positive degrees/frame is clockwise on screen. */
  | { kind: 'rotate'; degPerFrame: [number, number] }
  /** Size × e^(rate) per frame. */
  | { kind: 'zoom'; rate: [number, number] }
  /** Back and forth along a random axis: amplitude (px) and period (frames). */
  | { kind: 'oscillate'; amplitude: [number, number]; period: [number, number] }
  /** Size × e^(A·sin(2πt/P)): amplitude A and period P (frames). */
  | { kind: 'pulse'; amplitude: [number, number]; period: [number, number] }
  /** Two objects on a random axis, each moving away from the other at `speed` px/frame. */
  | { kind: 'apart'; speed: [number, number] };

/** One class: a name, a one-line description, and either its own motion or the reversal of another class. */
export interface SynthClass {
  name: string;
  description: string;
  motion: Motion | { kind: 'reverse'; of: string };
}

/** Direction jitter of the translation classes (degrees either side): far from the 45° between classes. */
export const DIRECTION_JITTER_DEG = 10;

const SLOW: [number, number] = [0.4, 0.9];
const FAST: [number, number] = [1.8, 3.0];
const DIAGONAL: [number, number] = [0.8, 2.4];

const move = (name: string, angle: number, speed: [number, number], what: string): SynthClass => ({
  name,
  description: `one object moves ${what} at ${speed[0]}–${speed[1]} px/frame, direction ±${DIRECTION_JITTER_DEG}°`,
  motion: { kind: 'translate', angle, speed },
});
const reverse = (name: string, of: string, description: string): SynthClass => ({ name, description: `${description}: ${of} played backwards`, motion: { kind: 'reverse', of } });

/** Every class, in the order `--list-classes` prints them and `all` numbers them. */
export const SYNTH_CLASSES: readonly SynthClass[] = [
  move('MoveRightSlow', 0, SLOW, 'right'),
  reverse('MoveLeftSlow', 'MoveRightSlow', `one object moves left at ${SLOW[0]}–${SLOW[1]} px/frame`),
  move('MoveRightFast', 0, FAST, 'right'),
  reverse('MoveLeftFast', 'MoveRightFast', `one object moves left at ${FAST[0]}–${FAST[1]} px/frame`),
  move('MoveDownSlow', 90, SLOW, 'down'),
  reverse('MoveUpSlow', 'MoveDownSlow', `one object moves up at ${SLOW[0]}–${SLOW[1]} px/frame`),
  move('MoveDownFast', 90, FAST, 'down'),
  reverse('MoveUpFast', 'MoveDownFast', `one object moves up at ${FAST[0]}–${FAST[1]} px/frame`),
  move('MoveDownRight', 45, DIAGONAL, 'down and right'),
  reverse('MoveUpLeft', 'MoveDownRight', `one object moves up and left at ${DIAGONAL[0]}–${DIAGONAL[1]} px/frame`),
  move('MoveDownLeft', 135, DIAGONAL, 'down and left'),
  reverse('MoveUpRight', 'MoveDownLeft', `one object moves up and right at ${DIAGONAL[0]}–${DIAGONAL[1]} px/frame`),
  { name: 'RotateClockwise', description: 'one object spins clockwise about its centre at 2.5–6°/frame', motion: { kind: 'rotate', degPerFrame: [2.5, 6] } },
  reverse('RotateCounterclockwise', 'RotateClockwise', 'one object spins counter-clockwise at 2.5–6°/frame'),
  { name: 'ZoomIn', description: 'one object grows (size ×1.5–3 per 32 frames)', motion: { kind: 'zoom', rate: [0.013, 0.035] } },
  reverse('ZoomOut', 'ZoomIn', 'one object shrinks (size ÷1.5–3 per 32 frames)'),
  {
    name: 'Oscillate',
    description: 'one object moves back and forth along a random axis (amplitude 5–12 px, period 8–16 frames)',
    motion: { kind: 'oscillate', amplitude: [5, 12], period: [8, 16] },
  },
  {
    name: 'Pulse',
    description: 'one object grows and shrinks periodically (size ×e^±0.12–0.3, period 8–16 frames)',
    motion: { kind: 'pulse', amplitude: [0.12, 0.3], period: [8, 16] },
  },
  { name: 'Diverge', description: 'two objects move apart along a random axis, 0.5–1.4 px/frame each', motion: { kind: 'apart', speed: [0.5, 1.4] } },
  reverse('Converge', 'Diverge', 'two objects move towards each other, 0.5–1.4 px/frame each'),
];

/** Named class sets for `--classes`. */
export const SYNTH_CLASS_SETS: Readonly<Record<string, { description: string; classes: readonly string[] }>> = {
  all: { description: 'every class', classes: SYNTH_CLASSES.map((c) => c.name) },
  basic: {
    description: 'a small, easy set (the demo): fast moves in 4 directions, zoom in/out',
    classes: ['MoveLeftFast', 'MoveRightFast', 'MoveUpFast', 'MoveDownFast', 'ZoomIn', 'ZoomOut'],
  },
  reversal: {
    description: 'only time-reversal pairs, one per motion family (a net blind to frame order cannot separate a pair)',
    classes: ['MoveLeftFast', 'MoveRightFast', 'RotateClockwise', 'RotateCounterclockwise', 'ZoomIn', 'ZoomOut', 'Diverge', 'Converge'],
  },
  translation: { description: 'the 12 constant-velocity classes (8 directions, 2 speeds on the axes)', classes: SYNTH_CLASSES.filter((c) => c.name.startsWith('Move')).map((c) => c.name) },
};

/** The class named `name` (exact spelling). Throws listing the known names when there is none. */
export function synthClass(name: string): SynthClass {
  const c = SYNTH_CLASSES.find((k) => k.name === name);
  if (c === undefined) throw new Error(`unknown class '${name}' (known: ${SYNTH_CLASSES.map((k) => k.name).join(', ')})`);
  return c;
}

/** The class whose reversal `name` is, or whose reversal is `name`; undefined for self-contained classes. */
export function reversalPartner(name: string): string | undefined {
  const c = synthClass(name);
  if (c.motion.kind === 'reverse') return c.motion.of;
  return SYNTH_CLASSES.find((k) => k.motion.kind === 'reverse' && k.motion.of === name)?.name;
}

/**
 * `--classes` → class names in order: a set name (`all`, `basic`, `reversal`, `translation`) or a
 * comma-separated list of class names (case-insensitive, given order kept). Unknown names and
 * repeats are errors naming the known classes and sets.
 */
export function resolveSynthClasses(spec: string): string[] {
  const set = SYNTH_CLASS_SETS[spec.trim().toLowerCase()];
  if (set !== undefined) return [...set.classes];
  const names = spec.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (names.length === 0) throw new Error(`no classes in '${spec}'`);
  const out: string[] = [];
  const unknown: string[] = [];
  for (const n of names) {
    const c = SYNTH_CLASSES.find((k) => k.name.toLowerCase() === n.toLowerCase());
    if (c === undefined) unknown.push(n);
    else if (out.includes(c.name)) throw new Error(`class ${c.name} is given twice in '${spec}'`);
    else out.push(c.name);
  }
  if (unknown.length > 0) {
    throw new Error(
      `unknown class${unknown.length > 1 ? 'es' : ''} ${unknown.map((u) => `'${u}'`).join(', ')}; known classes: ${SYNTH_CLASSES.map((k) => k.name).join(', ')}; sets: ${Object.keys(SYNTH_CLASS_SETS).join(', ')}`,
    );
  }
  return out;
}
