/**
 * ASLAN View-2 splits: 10 splits of pairs (id1, id2, same 0/1, action1, action2). Read from the data
 * set's View2.mat (a numeric array of MATLAB dims (pairs, 5, splits), v5 or v7.3), or from a CSV with
 * one pair per line: `split,id1,id2,same[,action1,action2]` (split 1-based; a header line is skipped).
 */
import { readMatArrays } from './mat-file.js';
import { readFileOrThrow } from '../../io/read-file.js';

export interface AslanPair {
  id1: string;
  id2: string;
  same: boolean;
}

/** splits[s] = the pairs of split s. */
export type AslanSplits = AslanPair[][];

function fromColumnMajor(dims: number[], data: Float64Array, where: string): AslanSplits {
  const [p, c, s] = [dims[0]!, dims[1]!, dims[2] ?? 1];
  if (c !== 5 && c !== 3) throw new Error(`${where}: split array has dims (${dims.join('×')}), expected (pairs, 5, splits)`);
  const at = (i: number, j: number, k: number) => data[i + p * (j + c * k)]!;
  return Array.from({ length: s }, (_, k) =>
    Array.from({ length: p }, (_, i) => {
      const same = at(i, 2, k);
      if (same !== 0 && same !== 1) throw new Error(`${where}: split ${k + 1} pair ${i + 1}: same/not-same value ${same} is not 0 or 1`);
      return { id1: String(at(i, 0, k)), id2: String(at(i, 1, k)), same: same === 1 };
    }),
  );
}

export async function readAslanSplits(path: string): Promise<AslanSplits> {
  if (/\.csv$/i.test(path) || /\.txt$/i.test(path)) {
    const text = readFileOrThrow(path, 'utf8');
    const splits = new Map<number, AslanPair[]>();
    text.split(/\r?\n/).forEach((line, n) => {
      const l = line.trim();
      if (l === '') return;
      const f = l.split(/[,\s]+/);
      if (n === 0 && !/^\d/.test(f[0]!)) return; // header
      const [s, id1, id2, same] = [Number(f[0]), f[1], f[2], f[3]];
      if (!(Number.isInteger(s) && s >= 1) || id1 === undefined || id2 === undefined || (same !== '0' && same !== '1')) {
        throw new Error(`${path}:${n + 1}: expected "split,id1,id2,same(0|1)[,action1,action2]", got "${l}"`);
      }
      if (!splits.has(s)) splits.set(s, []);
      splits.get(s)!.push({ id1, id2, same: same === '1' });
    });
    const keys = [...splits.keys()].sort((a, b) => a - b);
    return keys.map((k) => splits.get(k)!);
  }
  const arrays = await readMatArrays(path);
  const cand = arrays.filter((a) => a.dims.length >= 2 && (a.dims[1] === 5 || a.dims[1] === 3) && a.data.length > 0);
  if (cand.length === 0) {
    throw new Error(`${path}: no numeric array of dims (pairs, 5, splits); found: ${arrays.map((a) => `${a.name} (${a.dims.join('×')})`).join(', ') || 'none'}`);
  }
  return fromColumnMajor(cand[0]!.dims, cand[0]!.data, `${path}:${cand[0]!.name}`);
}
