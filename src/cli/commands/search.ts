/** `c3d search QUERY… --index DIR`: nearest videos by cosine similarity of stored descriptors. */
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseCommandArgs, UsageError, type Command } from '../command.js';
import { positiveInt } from '../flags/numbers.js';
import { loadVideoDescriptors, meanDescriptor } from '../../eval/video-descriptors.js';
import { cosineSearch } from '../../eval/neighbors.js';
import { fsReason } from '../../io/read-file.js';

const USAGE = `usage: c3d search QUERY [QUERY…] --index DIR [--top 10] [--include-self]

Ranks the videos of DIR (one VIDEO.npy per video, shape (clips, dim) or (dim,); clips averaged)
by cosine similarity to each QUERY, exactly. A QUERY is a .npy feature file or the id of a video
in the index. Prints, per query, "rank<TAB>similarity<TAB>video" lines under a "# QUERY" header.
The query's own video (the id given, or the index file the .npy query is) is left out of its
results; --include-self keeps it (it then ranks first, similarity 1).`;

/** Whether two paths name the same file (symlinks and relative paths resolved). */
function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

export const searchCommand: Command = {
  name: 'search',
  summary: 'find the most similar videos by cosine similarity of their descriptors',
  usage: USAGE,
  async run(argv) {
    const { values, positionals: queries } = parseCommandArgs(argv, {
      index: { type: 'string' },
      top: { type: 'string' },
      'include-self': { type: 'boolean' },
    });
    const dir = values.index;
    if (!dir) throw new UsageError('--index DIR is required');
    if (queries.length === 0) throw new UsageError('give at least one QUERY (.npy file or video id)');
    const top = positiveInt('top', values.top, 10);
    let names: string[];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith('.npy')).sort();
    } catch (e) {
      throw new Error(`${dir}: cannot list (${fsReason(e)})`);
    }
    if (names.length === 0) throw new Error(`${dir}: no .npy descriptors`);
    const ids = names.map((n) => n.slice(0, -4));
    const index = loadVideoDescriptors([dir], ids, 'index');
    // Per query: its vector, and the index row that is the query itself (left out of its hits).
    const resolved = queries.map((q) => {
      if (q.endsWith('.npy') && existsSync(q)) {
        const k = ids.indexOf(basename(q, '.npy'));
        return { vec: meanDescriptor(q), self: k >= 0 && sameFile(q, join(dir, names[k]!)) ? k : undefined };
      }
      const k = ids.indexOf(q);
      if (k < 0) throw new Error(`query '${q}' is neither a .npy file nor a video in ${dir}`);
      return { vec: index.data.slice(k * index.dim, (k + 1) * index.dim), self: k };
    });
    const bad = queries.filter((_, i) => resolved[i]!.vec.length !== index.dim);
    if (bad.length > 0) throw new Error(`query dim differs from the index's ${index.dim}: ${bad.join(', ')}`);
    const qm = { rows: resolved.length, dim: index.dim, data: new Float32Array(resolved.length * index.dim) };
    resolved.forEach((r, i) => qm.data.set(r.vec, i * index.dim));
    const exclude = values['include-self'] ? undefined : resolved.map((r) => r.self);
    const results = cosineSearch(index, qm, top, { exclude });
    results.forEach((r, i) => {
      process.stdout.write(`# ${basename(queries[i]!)}\n`);
      r.forEach((nb, k) => process.stdout.write(`${k + 1}\t${nb.score.toFixed(4)}\t${ids[nb.index]}\n`));
    });
    return 0;
  },
};
