/** Numeric flag values, checked once for every command. */
import { UsageError } from '../command.js';

/** `--flag N` as a positive integer: `dflt` (or undefined) when absent, a UsageError naming the flag when malformed. */
export function positiveInt(flag: string, v: string | undefined): number | undefined;
export function positiveInt(flag: string, v: string | undefined, dflt: number): number;
export function positiveInt(flag: string, v: string | undefined, dflt?: number): number | undefined {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (v.trim() === '' || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`--${flag} must be a positive integer, got '${v}'`);
  return n;
}
