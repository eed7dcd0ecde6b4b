export { Tensor } from './tensor.js';
export { ShapeError, checkInt, checkRank, checkSameShape, checkShape, formatShape, sameShape, sizeOf, type Shape } from './shape.js';
export { BufferPool } from './buffer-pool.js';
