/**
 * The frame count an AVI file's header declares. ffmpeg does not print it, and for an AVI that lost its
 * end (and with it the index) ffmpeg estimates the duration from the bytes that are left, so only the
 * header tells that 795 frames were promised when 16 could be decoded. Reads the head of the file only.
 */
import { open } from 'node:fs/promises';

/** The declared frames of the video stream and its frame rate (dwRate / dwScale). */
export interface AviDeclared {
  frames: number;
  fps?: number;
}

/** Bytes read from the start of the file: the `hdrl` list (main + stream headers) sits at the front. */
const HEAD_BYTES = 64 * 1024;

/**
 * The video frame count an AVI header declares: the video stream header's `dwLength`, or the OpenDML
 * `dmlh` total (files over 1 GiB), or the main header's `dwTotalFrames`, whichever is largest (writers
 * fill them unevenly; a count is never overstated on purpose). Undefined when `path` is not an AVI or
 * its header cannot be read (the decode then goes without a declared count).
 */
export async function aviDeclaredFrames(path: string): Promise<AviDeclared | undefined> {
  let head: Buffer;
  try {
    const f = await open(path, 'r');
    try {
      const buf = Buffer.alloc(HEAD_BYTES);
      const { bytesRead } = await f.read(buf, 0, HEAD_BYTES, 0);
      head = buf.subarray(0, bytesRead);
    } finally {
      await f.close();
    }
  } catch {
    return undefined;
  }
  return parseAviHeader(head);
}

/** The declared frame count from the first bytes of an AVI file (see aviDeclaredFrames). */
export function parseAviHeader(head: Buffer): AviDeclared | undefined {
  if (head.length < 12 || head.toString('latin1', 0, 4) !== 'RIFF' || head.toString('latin1', 8, 12) !== 'AVI ') return undefined;
  let total = 0;
  let streamLength = 0;
  let odmlTotal = 0;
  let fps: number | undefined;
  /** The type of the stream whose `strl` list is being read ('vids' for video). */
  let streamType = '';
  let seenVideo = false;
  const walk = (start: number, end: number): void => {
    let off = start;
    while (off + 8 <= end) {
      const id = head.toString('latin1', off, off + 4);
      const size = head.readUInt32LE(off + 4);
      const body = off + 8;
      const bodyEnd = Math.min(body + size, end);
      if (id === 'LIST' && body + 4 <= end) {
        const kind = head.toString('latin1', body, body + 4);
        if (kind === 'movi') return; // frames start here: the headers are behind us
        if (kind === 'hdrl' || kind === 'strl' || kind === 'odml') walk(body + 4, bodyEnd);
      } else if (id === 'avih' && body + 20 <= end) {
        total = head.readUInt32LE(body + 16);
      } else if (id === 'strh' && body + 36 <= end) {
        streamType = head.toString('latin1', body, body + 4);
        if (streamType === 'vids' && !seenVideo) {
          seenVideo = true;
          streamLength = head.readUInt32LE(body + 32);
          const scale = head.readUInt32LE(body + 20);
          const rate = head.readUInt32LE(body + 24);
          if (scale > 0 && rate > 0) fps = rate / scale;
        }
      } else if (id === 'dmlh' && body + 4 <= end) {
        odmlTotal = head.readUInt32LE(body);
      }
      off = body + size + (size & 1); // chunks are padded to even sizes
    }
  };
  walk(12, head.length);
  const frames = Math.max(total, streamLength, odmlTotal);
  return frames > 0 ? { frames, fps } : undefined;
}
