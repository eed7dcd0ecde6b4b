/**
 * A dense, contiguous, row-major Float32 tensor. Video activations are NCDHW
 * (batch, channels, depth = frames, height, width), as in Caffe and PyTorch.
 * The data array is shared, never copied behind the caller's back: `reshape` is a view,
 * `clone` is the only copying method.
 */
import { checkShape, formatShape, ShapeError, sizeOf, type Shape } from './shape.js';

export class Tensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;

  constructor(shape: Shape, data?: Float32Array) {
    checkShape('Tensor', shape);
    const n = sizeOf(shape);
    if (data === undefined) {
      data = new Float32Array(n);
    } else if (!(data instanceof Float32Array)) {
      throw new ShapeError(`Tensor: data must be a Float32Array, got ${describeType(data)}`);
    } else if (data.length !== n) {
      throw new ShapeError(`Tensor: shape ${formatShape(shape)} needs ${n} elements, data has ${data.length}`);
    }
    this.shape = Object.freeze([...shape]);
    this.data = data;
  }

  static zeros(shape: Shape): Tensor {
    return new Tensor(shape);
  }

  static filled(shape: Shape, value: number): Tensor {
    const t = new Tensor(shape);
    t.data.fill(value);
    return t;
  }

  /** Wraps existing values (copied into a fresh Float32Array only when given a plain array). */
  static from(shape: Shape, values: ArrayLike<number>): Tensor {
    return new Tensor(shape, values instanceof Float32Array ? values : Float32Array.from(values));
  }

  get rank(): number {
    return this.shape.length;
  }

  get size(): number {
    return this.data.length;
  }

  /** A view with another shape over the same data; one dim may be -1 (inferred). */
  reshape(shape: Shape): Tensor {
    const inferred = shape.indexOf(-1);
    let full = [...shape];
    if (inferred >= 0) {
      const known = sizeOf(shape.filter((_, i) => i !== inferred));
      if (known <= 0 || this.size % known !== 0) {
        throw new ShapeError(`reshape: cannot view ${formatShape(this.shape)} as ${formatShape(shape)}`);
      }
      full[inferred] = this.size / known;
    }
    checkShape('reshape', full, 'target shape');
    if (sizeOf(full) !== this.size) {
      throw new ShapeError(`reshape: cannot view ${formatShape(this.shape)} (${this.size} elements) as ${formatShape(full)}`);
    }
    return new Tensor(full, this.data);
  }

  clone(): Tensor {
    return new Tensor(this.shape, this.data.slice());
  }

  /** The `i`-th item along dim 0 as a view (e.g. one clip of a batch). */
  item(i: number): Tensor {
    if (!Number.isInteger(i) || i < 0 || i >= this.shape[0]) {
      throw new ShapeError(`item: index ${i} out of range for ${formatShape(this.shape)}`);
    }
    const rest = this.shape.slice(1);
    const n = sizeOf(rest);
    return new Tensor(rest.length ? rest : [1], this.data.subarray(i * n, (i + 1) * n));
  }

  /** Row-major strides in elements. */
  strides(): number[] {
    const s = new Array<number>(this.rank);
    let acc = 1;
    for (let i = this.rank - 1; i >= 0; i--) {
      s[i] = acc;
      acc *= this.shape[i];
    }
    return s;
  }

  toString(): string {
    return `Tensor${formatShape(this.shape)}`;
  }
}

function describeType(x: unknown): string {
  return x === null ? 'null' : typeof x === 'object' ? (x as object).constructor?.name ?? 'object' : typeof x;
}
