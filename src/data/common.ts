/** Small helpers shared by the dataset readers: error conversion, short name lists, numeric classes. */
import { DatasetError } from './dataset.js';

/** Runs `fn`, re-throwing the plain `Error`s of the shared readers (npy, split files) as `DatasetError`s with the same message. */
export function asDatasetError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof DatasetError || !(e instanceof Error)) throw e;
    throw new DatasetError(e.message);
  }
}

/** At most `n` names joined by ", ", then ", … (K more)": keeps messages on one readable line. */
export function listSome(names: readonly string[], n = 10): string {
  return names.slice(0, n).join(', ') + (names.length > n ? `, … (${names.length - n} more)` : '');
}

/** The class count of a numerically labelled source: `given` (validated) or the largest label + 1. */
export function classCount(maxLabel: number, given: number | undefined, where: string): number {
  if (given === undefined) return maxLabel + 1;
  if (!Number.isInteger(given) || given < 1) throw new DatasetError(`${where}: class count must be a positive integer, got ${given}`);
  return given;
}

/** Class names "0", "1", … for sources that only have numeric labels. */
export function numericClasses(k: number): string[] {
  return Array.from({ length: k }, (_, i) => String(i));
}
