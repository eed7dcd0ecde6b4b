/**
 * Which videos a job processes: files, folders (recursive, by extension; a folder of `%06d.jpg`
 * frames counts as one video), glob patterns (`*`, `?`, `**`), and list files (one path per line).
 * Each video gets an id — its path relative to the folder/glob base, without extension — that names
 * its outputs, so folder inputs keep their layout under the output directory.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join, relative, resolve, sep } from 'node:path';
import { FRAME_FILE } from '../video/decode.js';

export const VIDEO_EXTENSIONS = new Set([
  '.mp4', '.avi', '.mkv', '.mov', '.webm', '.mpg', '.mpeg', '.m4v', '.flv', '.wmv', '.3gp', '.ogv', '.ts', '.mts', '.vob', '.gif',
]);

/** An input that names no video: a folder without videos, a glob matching nothing, an empty list. */
export class NoVideosError extends Error {
  override name = 'NoVideosError';
}

/** What a folder is searched for, for messages: `.mp4, .avi, … or folders of %06d.jpg frames`. */
export function lookedFor(extensions: ReadonlySet<string> = VIDEO_EXTENSIONS): string {
  return `${[...extensions].join(', ')} files or folders of %06d.jpg frames`;
}

export interface VideoInput {
  /** File or frames directory to decode. */
  path: string;
  /** Output name: relative path without extension, '/'-separated. */
  id: string;
}

/** A frame of a frames directory, as src/video/decode.ts reads them: `%06d.jpg` (or .jpeg / .png). */
export { FRAME_FILE };

function isFramesDir(dir: string): boolean {
  try {
    return readdirSync(dir).some((n) => FRAME_FILE.test(n));
  } catch {
    return false;
  }
}

function stripExt(p: string): string {
  const e = extname(p);
  return e ? p.slice(0, -e.length) : p;
}

function toId(rel: string): string {
  return stripExt(rel).split(sep).join('/');
}

/** Every video under `root` (sorted, recursive); frames directories are leaves. */
function walk(root: string, dir: string, out: VideoInput[], extensions: ReadonlySet<string>): void {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    let st;
    try {
      st = statSync(p);
    } catch {
      continue;
    }
    if (st.isDirectory()) {
      if (isFramesDir(p)) out.push({ path: p, id: relative(root, p).split(sep).join('/') });
      else walk(root, p, out, extensions);
    } else if (extensions.has(extname(name).toLowerCase())) {
      out.push({ path: p, id: toId(relative(root, p)) });
    }
  }
}

/**
 * Every video under `dir`, recursively, sorted by name at each level: files with one of `extensions`,
 * and frames directories as single videos. Paths are `join(dir, …)` (relative when `dir` is).
 */
export function findVideos(dir: string, extensions: ReadonlySet<string> = VIDEO_EXTENSIONS): VideoInput[] {
  const out: VideoInput[] = [];
  walk(dir, dir, out, extensions);
  return out;
}

/** A glob (`*` and `?` within a path segment, `**` across segments) as a regular expression. */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      re += '.*';
      i++;
      if (pattern[i + 1] === '/') i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function expandGlob(pattern: string, out: VideoInput[]): void {
  const parts = pattern.split('/');
  const firstWild = parts.findIndex((p) => /[*?]/.test(p));
  const base = parts.slice(0, firstWild).join('/') || '.';
  const re = globToRegExp(parts.slice(firstWild).join('/'));
  if (!existsSync(base)) return;
  const all: VideoInput[] = [];
  // Walk with every extension allowed; the pattern does the filtering.
  const collect = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const rel = relative(base, p).split(sep).join('/');
      let st;
      try {
        st = statSync(p);
      } catch {
        continue;
      }
      if (re.test(rel) && (st.isFile() || isFramesDir(p))) {
        all.push({ path: p, id: st.isFile() ? toId(relative(base, p)) : rel });
      } else if (st.isDirectory()) collect(p);
    }
  };
  collect(base);
  out.push(...all);
}

/**
 * Expands command-line inputs and list files into videos, in order. A missing plain path is kept (it
 * will be reported as a failed video, not silently dropped); a glob matching nothing throws
 * NoVideosError, and so does a folder without videos with `emptyFolderIsError` (else it adds none).
 */
export function expandInputs(
  args: readonly string[],
  listFiles: readonly string[] = [],
  extensions = VIDEO_EXTENSIONS,
  opts: { emptyFolderIsError?: boolean } = {},
): VideoInput[] {
  const out: VideoInput[] = [];
  const plain = (p: string): void => {
    if (existsSync(p) && statSync(p).isDirectory() && !isFramesDir(p)) {
      const before = out.length;
      walk(resolve(p), resolve(p), out, extensions);
      if (out.length === before && opts.emptyFolderIsError) throw new NoVideosError(`${p}: no videos in this folder (looked for ${lookedFor(extensions)})`);
      for (let i = before; i < out.length; i++) out[i].path = join(p, relative(resolve(p), out[i].path));
      return;
    }
    out.push({ path: p, id: existsSync(p) && statSync(p).isDirectory() ? basename(resolve(p)) : stripExt(basename(p)) });
  };
  for (const list of listFiles) {
    let text: string;
    try {
      text = readFileSync(list, 'utf8');
    } catch {
      throw new Error(`${list}: cannot read list file`);
    }
    for (const line of text.split(/\r?\n/)) {
      const p = line.trim();
      if (p && !p.startsWith('#')) plain(p);
    }
  }
  for (const a of args) {
    if (/[*?]/.test(a) && !existsSync(a)) {
      const before = out.length;
      expandGlob(a, out);
      if (out.length === before) throw new NoVideosError(`${a}: no file matches this pattern`);
    } else {
      plain(a);
    }
  }
  const seen = new Map<string, string>();
  for (const v of out) {
    const prev = seen.get(v.id);
    if (prev !== undefined && prev !== v.path) throw new Error(`${prev} and ${v.path} would write the same output '${v.id}'; rename one or pass them separately`);
    seen.set(v.id, v.path);
  }
  // The same file given twice is processed once.
  return out.filter((v, i) => out.findIndex((w) => w.id === v.id) === i);
}
