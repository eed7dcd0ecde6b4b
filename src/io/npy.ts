/**
 * NumPy `.npy` files (format 1.0 / 2.0 / 3.0), the exchange format for descriptors and fixtures.
 *
 * Supported: little-endian (or byte-order-free) `float32` (`<f4`), `float64` (`<f8`), `int32` (`<i4`),
 * `int64` (`<i8`, read only), `uint8` (`|u1`), C order only (`fortran_order: False`), any shape
 * including `()` scalars. `int64` — numpy's default integer, so what `np.save(labels)` writes — is
 * read as BigInt64 and narrowed to an `Int32Array` (dtype stays `'int64'`) when every value fits in
 * int32; a value that does not fit is an error naming the file and the index.
 * Big-endian, Fortran order and object/structured dtypes are rejected with an error naming the file.
 *
 * Reading: `readNpy(path)` / `parseNpy(bytes)` return `{ dtype, shape, data }` where `data` is a typed
 * array of the matching kind, copied (so always aligned and owned by the caller).
 * Writing: `writeNpy(path, arr)` writes a v1.0 header (v2.0 if the header would exceed 65535 bytes)
 * to `path.tmp-<pid>-<n>` and renames it over `path`, so readers never see half a file.
 *
 * Header layout (NumPy's spec): magic `\x93NUMPY`, major, minor, header length (uint16 LE for v1,
 * uint32 LE for v2/v3), then an ASCII dict literal padded with spaces and ending in `\n` so that the
 * data starts on a 64-byte boundary.
 */
import { writeBytesAtomic } from './atomic.js';
import { readFileOrThrow } from './read-file.js';
import { formatNpy, parseNpy, type NpyArray, type NpyData } from './npy-format.js';

export { formatNpy, parseNpy, type NpyArray, type NpyData, type NpyDtype } from './npy-format.js';

/** Reads a .npy file. */
export function readNpy(path: string): NpyArray {
  return parseNpy(readFileOrThrow(path), path);
}

/** Writes a .npy file atomically (temp + rename). */
export function writeNpy(path: string, arr: { shape: readonly number[]; data: NpyData }): void {
  writeBytesAtomic(path, formatNpy(arr));
}
