/** `c3d search QUERY… --index DIR`: nearest videos by cosine similarity of stored descriptors. */
import { existsSync, readdirSync } from 'node:fs';
import { basename } from 'node:path';
import { type Command, UsageError } from '../command.js';
import { parseFlags } from './eval.js';
import { loadVideoDescriptors, meanDescriptor } from '../../eval/video-descriptors.js';
import { cosineSearch } from '../../eval/neighbors.js';
import { fsReason } from '../../io/read-file.js';

const USAGE = `usage: c3d search QUERY [QUERY…] --index DIR [--top 10]

Ranks the videos of DIR (one VIDEO.npy per video, shape (clips, dim) or (dim,); clips averaged)
by cosine similarity to each QUERY, exactly. A QUERY is a .npy feature file or the id of a video
in the index. Prints, per query, "rank<TAB>similarity<TAB>video" lines under a "# QUERY" header.`;

export const searchCommand: Command = {
  name: 'search',
  summary: 'find the most similar videos by cosine similarity of their descriptors',
  usage: USAGE,
  async run(argv) {
    const queries: string[] = [];
    const flags: string[] = [];
    for (let i = 0; i < argv.length; i++) {
      if (argv[i]!.startsWith('--')) {
        flags.push(argv[i]!);
        if (!argv[i]!.includes('=') && argv[i + 1] !== undefined) flags.push(argv[++i]!);
      } else queries.push(argv[i]!);
    }
    const f = parseFlags(flags, { index: 'value', top: 'value' }, '');
    const dir = f.get('index');
    if (!dir) throw new UsageError('--index DIR is required');
    if (queries.length === 0) throw new UsageError('give at least one QUERY (.npy file or video id)');
    const top = Number(f.get('top') ?? 10);
    if (!(Number.isInteger(top) && top >= 1)) throw new UsageError(`--top must be a positive integer, got '${f.get('top')}'`);
    let names: string[];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith('.npy')).sort();
    } catch (e) {
      throw new Error(`${dir}: cannot list (${fsReason(e)})`);
    }
    if (names.length === 0) throw new Error(`${dir}: no .npy descriptors`);
    const ids = names.map((n) => n.slice(0, -4));
    const index = loadVideoDescriptors([dir], ids, 'index');
    const qvecs = queries.map((q) => {
      if (q.endsWith('.npy') && existsSync(q)) return meanDescriptor(q);
      const k = ids.indexOf(q);
      if (k < 0) throw new Error(`query '${q}' is neither a .npy file nor a video in ${dir}`);
      return index.data.slice(k * index.dim, (k + 1) * index.dim);
    });
    const bad = queries.filter((_, i) => qvecs[i]!.length !== index.dim);
    if (bad.length > 0) throw new Error(`query dim differs from the index's ${index.dim}: ${bad.join(', ')}`);
    const qm = { rows: qvecs.length, dim: index.dim, data: new Float32Array(qvecs.length * index.dim) };
    qvecs.forEach((v, i) => qm.data.set(v, i * index.dim));
    const results = cosineSearch(index, qm, top);
    results.forEach((r, i) => {
      process.stdout.write(`# ${basename(queries[i]!)}\n`);
      r.forEach((nb, k) => process.stdout.write(`${k + 1}\t${nb.score.toFixed(4)}\t${ids[nb.index]}\n`));
    });
    return 0;
  },
};
