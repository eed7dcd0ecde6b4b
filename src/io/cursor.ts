/**
 * A forward-only byte reader over a whole file or an in-memory buffer. Reading a file goes through a
 * small window, and large payloads (weight arrays) are read straight from the file into their final typed
 * array, so a 320 MB model never sits in memory twice. Every read past the end throws a WeightsError
 * that says the file is truncated.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { truncatedError, WeightsError } from './errors.js';

const WINDOW = 1 << 20;

export class ByteCursor {
  /** Absolute position of the next byte. */
  pos = 0;
  readonly size: number;
  private buf: Buffer;
  private bufStart = 0;
  private bufEnd = 0;
  private fd: number | undefined;

  private constructor(readonly file: string, fd: number | undefined, buf: Buffer, size: number) {
    this.fd = fd;
    this.buf = buf;
    this.size = size;
    if (fd === undefined) this.bufEnd = buf.length;
  }

  /** Opens `path`; the caller must `close()` (use `withFile`). */
  static open(path: string): ByteCursor {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new WeightsError(path, code === 'ENOENT' ? 'no such file' : `cannot open (${code ?? (e as Error).message})`);
    }
    try {
      const st = fstatSync(fd);
      if (st.isDirectory()) throw new WeightsError(path, 'is a directory, expected a file');
      const size = st.size;
      return new ByteCursor(path, fd, Buffer.allocUnsafe(Math.min(WINDOW, Math.max(size, 16))), size);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  /** Reads from memory; `file` only labels errors. */
  static fromBuffer(buf: Uint8Array, file: string): ByteCursor {
    const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    return new ByteCursor(file, undefined, b, b.length);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  get remaining(): number {
    return this.size - this.pos;
  }

  truncated(what: string): WeightsError {
    return truncatedError(this.file, what, this.size);
  }

  /** Makes [pos, pos+n) available in the window (n ≤ window size). */
  private ensure(n: number, what: string): void {
    if (this.pos + n > this.size) throw this.truncated(what);
    if (this.pos >= this.bufStart && this.pos + n <= this.bufEnd) return;
    if (this.fd === undefined) throw this.truncated(what);
    const len = Math.min(this.buf.length, this.size - this.pos);
    let got = 0;
    while (got < len) {
      const r = readSync(this.fd, this.buf, got, len - got, this.pos + got);
      if (r === 0) break;
      got += r;
    }
    this.bufStart = this.pos;
    this.bufEnd = this.pos + got;
    if (this.pos + n > this.bufEnd) throw this.truncated(what);
  }

  u8(what = 'a byte'): number {
    this.ensure(1, what);
    return this.buf[this.pos++ - this.bufStart];
  }

  /** A small slice (headers, strings, pickles), copied. */
  bytes(n: number, what = 'a field'): Buffer {
    if (this.pos + n > this.size) throw this.truncated(what); // before allocating a corrupt length
    if (n <= this.buf.length) {
      this.ensure(n, what);
      const start = this.pos - this.bufStart;
      this.pos += n;
      return Buffer.from(this.buf.subarray(start, start + n));
    }
    const out = Buffer.allocUnsafe(n);
    this.readInto(out, what);
    return out;
  }

  /** Fills `target` with the next `target.byteLength` bytes, reading large spans straight from the file. */
  readInto(target: Uint8Array, what = 'a field'): void {
    const n = target.byteLength;
    if (this.pos + n > this.size) throw this.truncated(what);
    let done = 0;
    if (this.pos >= this.bufStart && this.pos < this.bufEnd) {
      const take = Math.min(n, this.bufEnd - this.pos);
      target.set(this.buf.subarray(this.pos - this.bufStart, this.pos - this.bufStart + take), 0);
      done = take;
    }
    while (done < n) {
      if (this.fd === undefined) throw this.truncated(what);
      const r = readSync(this.fd, target, done, n - done, this.pos + done);
      if (r === 0) throw this.truncated(what);
      done += r;
    }
    this.pos += n;
  }

  skip(n: number, what = 'a field'): void {
    if (this.pos + n > this.size) throw this.truncated(what);
    this.pos += n;
  }

  seek(pos: number): void {
    if (pos < 0 || pos > this.size) throw this.truncated('a seek');
    this.pos = pos;
  }
}

/** Opens `path` as a ByteCursor, runs `fn`, always closes. */
export function withFile<T>(path: string, fn: (c: ByteCursor) => T): T {
  const c = ByteCursor.open(path);
  try {
    return fn(c);
  } finally {
    c.close();
  }
}
