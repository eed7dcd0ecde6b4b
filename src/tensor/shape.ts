/** Shapes and the checks every op runs on its arguments before touching memory. */

export type Shape = readonly number[];

/** Thrown for any malformed shape or size; the message names the op and the shapes involved. */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

/** Number of elements of a shape (1 for a scalar shape `[]`). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** Every dim a positive safe integer: rejects 0, negatives, NaN, Infinity and fractions. */
export function checkShape(op: string, shape: Shape, what = 'shape'): void {
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d <= 0) {
      throw new ShapeError(`${op}: ${what} ${formatShape(shape)} has a dim that is not a positive integer (${d})`);
    }
  }
}

/** Throws unless `shape` has exactly `rank` dims, all positive integers. */
export function checkRank(op: string, shape: Shape, rank: number, what = 'input'): void {
  if (shape.length !== rank) {
    throw new ShapeError(`${op}: ${what} must have ${rank} dims, got ${formatShape(shape)}`);
  }
  checkShape(op, shape, what);
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function checkSameShape(op: string, a: Shape, b: Shape, whatA = 'a', whatB = 'b'): void {
  if (!sameShape(a, b)) {
    throw new ShapeError(`${op}: ${whatA} ${formatShape(a)} and ${whatB} ${formatShape(b)} must have the same shape`);
  }
}

/** A positive integer parameter (kernel size, stride…); `min` 0 allows paddings. */
export function checkInt(op: string, name: string, value: number, min = 1): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new ShapeError(`${op}: ${name} must be an integer ≥ ${min}, got ${value}`);
  }
}
