/** Reading a whole input file with the project's one-line error: `PATH: cannot read (ENOENT)`. */
import { readFileSync } from 'node:fs';

/** The short reason of a file-system error: its code (ENOENT, EISDIR…) or else its message. */
export function fsReason(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

export function readFileOrThrow(path: string): Buffer;
export function readFileOrThrow(path: string, encoding: 'utf8'): string;
export function readFileOrThrow(path: string, encoding?: 'utf8'): Buffer | string {
  try {
    return encoding ? readFileSync(path, encoding) : readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read (${fsReason(e)})`);
  }
}
