/**
 * Parsing ffmpeg's own stderr (the npm-bundled build has no ffprobe): the input's duration and frame
 * rate (for progress estimates) and the OUTPUT stream's size, which already accounts for rotation
 * metadata (ffmpeg auto-rotates) and any `fps` filter, so the raw frames we read have exactly that size.
 */

export interface InputStreamInfo {
  /** Seconds, when the container states a duration. */
  duration?: number;
  /** Frames per second of the video stream as ffmpeg reports it (average or nominal rate). */
  fps?: number;
  /** Codec name, e.g. h264, png. */
  codec?: string;
  /** Pixel format of the decoded stream, e.g. yuv420p, gray, rgba. */
  pixelFormat?: string;
}

export interface OutputStreamInfo {
  width: number;
  height: number;
}

const DURATION = /Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)/;
const VIDEO_STREAM = /Stream #\d+:\d+.*?: Video: (.*)$/;

/** Reads "Input #0" lines: Duration and the first video stream (codec, pixel format, fps). */
export function parseInputInfo(log: string): InputStreamInfo {
  const info: InputStreamInfo = {};
  const outputAt = log.indexOf('Output #0');
  const input = outputAt >= 0 ? log.slice(0, outputAt) : log;
  const d = DURATION.exec(input);
  if (d) info.duration = Number(d[1]) * 3600 + Number(d[2]) * 60 + Number(d[3]);
  for (const line of input.split(/\r?\n/)) {
    const m = VIDEO_STREAM.exec(line);
    if (!m) continue;
    const fields = splitTopLevel(m[1]);
    info.codec = fields[0]?.split(' ')[0];
    info.pixelFormat = fields[1]?.split('(')[0].trim();
    const fps = / ([\d.]+)(k?) fps/.exec(m[1]) ?? / ([\d.]+)(k?) tbr/.exec(m[1]);
    if (fps) info.fps = Number(fps[1]) * (fps[2] ? 1000 : 1);
    break;
  }
  return info;
}

/** Reads the size of the first video stream of "Output #0"; undefined until that line has been printed. */
export function parseOutputInfo(log: string): OutputStreamInfo | undefined {
  const outputAt = log.indexOf('Output #0');
  if (outputAt < 0) return undefined;
  for (const line of log.slice(outputAt).split(/\r?\n/)) {
    const m = VIDEO_STREAM.exec(line);
    if (!m) continue;
    const size = /(?:^|[ ,])(\d+)x(\d+)(?:[ ,]|$)/.exec(m[1]);
    if (size) return { width: Number(size[1]), height: Number(size[2]) };
  }
  return undefined;
}

/** Splits on commas that are not inside parentheses ("yuv420p(tv, bt709)" stays one field). */
function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else {
      cur += ch;
    }
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** The most telling error line of a failed ffmpeg run (the last non-progress line). */
export function lastErrorLine(log: string): string {
  const lines = log
    .split(/\r?\n|\r/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('frame=') && !l.startsWith('video:') && !/^Press \[q\]/.test(l) && !/^To ignore this/.test(l));
  if (lines.some((l) => /Stream map '0:v:0' matches no streams/.test(l))) return 'no video stream';
  return lines.length ? lines[lines.length - 1] : 'ffmpeg failed without a message';
}

/**
 * ffmpeg's `-loglevel level+info` tags every line with its level (`[info] …`, `[mpeg4 @ 0x…] [error] …`),
 * which is how decode errors are told from chatter. The parsers above read the log without the tags.
 */
export const LOG_LEVEL_ARGS = ['-loglevel', 'level+info'] as const;

const LEVEL_TAG = /\[(?:panic|fatal|error|warning|info|verbose|debug|trace)\] /g;

/** The log without the level tags of `-loglevel level+…` (a log without tags is returned unchanged). */
export function stripLogLevels(log: string): string {
  return log.replace(LEVEL_TAG, '');
}

const ERROR_LINE = /^(?:\[([^\]@]+?) @ 0x[0-9a-f]+\] )?\[(?:panic|fatal|error)\] (.*)$/;

/**
 * The message of an error-level line of a level-tagged log, e.g. `mpeg4: ac-tex damaged at 17 5`
 * (component first, without its address); undefined for any other line.
 */
export function errorMessage(line: string): string | undefined {
  const m = ERROR_LINE.exec(line.trim());
  if (!m) return undefined;
  const text = m[2].trim().replace(/\.$/, '');
  if (!text) return undefined;
  return m[1] ? `${m[1].trim()}: ${text}` : text;
}
