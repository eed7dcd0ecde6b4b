/** Reading .npy files robustly (see readNpyFile). */
import { readFileSync } from 'node:fs';
import { parseNpy, type NpyArray } from '../io/npy.js';

/**
 * Reads a .npy file. The bytes are copied into a plain Uint8Array first: `parseNpy` slices its input,
 * and `slice` of a Node Buffer is a view into a shared pool, not a copy (src/io/npy.ts readNpy).
 */
export function readNpyFile(path: string): NpyArray {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseNpy(new Uint8Array(bytes), path);
}
