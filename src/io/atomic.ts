/** Files are written whole or not at all: chunks go to a temp file next to the target, then rename. */
import { fsReason } from './read-file.js';
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';

let counter = 0;

/** Calls `write(chunk)` for each piece `fill` produces, into `path.tmp-PID-N`; renames on success. */
export function writeFileAtomic(path: string, fill: (write: (chunk: Uint8Array) => void) => void): void {
  const tmp = `${path}.tmp-${process.pid}-${counter++}`;
  const fd = openSync(tmp, 'w');
  let ok = false;
  try {
    fill((chunk) => {
      let off = 0;
      while (off < chunk.byteLength) off += writeSync(fd, chunk, off, chunk.byteLength - off);
    });
    fsyncSync(fd);
    ok = true;
  } finally {
    closeSync(fd);
    if (!ok) {
      try {
        unlinkSync(tmp);
      } catch {
        /* already gone */
      }
    }
  }
  renameSync(tmp, path);
}

/** Writes one buffer (or text) atomically; the error names the file. */
export function writeBytesAtomic(path: string, bytes: Uint8Array | string): void {
  const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  try {
    writeFileAtomic(path, (write) => write(data));
  } catch (e) {
    throw new Error(`${path}: cannot write (${fsReason(e)})`);
  }
}

/** The bytes of a float array in little-endian order (the host must be little-endian; checked at load). */
export function f32Bytes(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}
