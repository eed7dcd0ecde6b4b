/** The data-source flags `c3d train` and `c3d test` share: --data, --ucf101/--hmdb51 + --split, --list, --clips + --labels. */
import { existsSync, statSync } from 'node:fs';
import { UsageError } from '../command.js';
import type { DataSource } from '../../train/config.js';

export const DATA_FLAGS_USAGE = `  --data DIR           a folder of class folders (label = index of the folder name, sorted)
  --ucf101 ROOT --split N   UCF101 split N (classInd.txt, trainlist0N.txt, testlist0N.txt in ROOT
                       or ROOT/ucfTrainTestlist; videos under ROOT)
  --hmdb51 ROOT --split N   HMDB51 split N (<class>_test_split<N>.txt; videos in ROOT/<class>/)
  --list FILE          a list file: 'path start label' (Caffe release), 'path label', or
                       'dir n_frames label' (MMAction2); 0-based labels
  --clips X.npy --labels Y.npy   preprocessed N×C×L×H×W float32 clips and N labels, used as given`;

export const DATA_OPTIONS = {
  data: { type: 'string' },
  ucf101: { type: 'string' },
  hmdb51: { type: 'string' },
  split: { type: 'string' },
  list: { type: 'string' },
  clips: { type: 'string' },
  labels: { type: 'string' },
} as const;

type DataFlagValues = { data?: string; ucf101?: string; hmdb51?: string; split?: string; list?: string; clips?: string; labels?: string };

/** The one data source the flags name; a usage error for none, several, or a missing partner flag. */
export function dataSourceFromFlags(v: DataFlagValues, part: 'train' | 'test'): DataSource {
  const given = (['data', 'ucf101', 'hmdb51', 'list', 'clips'] as const).filter((k) => v[k] !== undefined);
  if (given.length === 0) throw new UsageError('no data: give --data DIR, --ucf101 ROOT --split N, --hmdb51 ROOT --split N, --list FILE or --clips X.npy --labels Y.npy');
  if (given.length > 1) throw new UsageError(`give one data source, not ${given.map((k) => `--${k}`).join(' and ')}`);
  if (v.split !== undefined && !v.ucf101 && !v.hmdb51) throw new UsageError('--split goes with --ucf101 or --hmdb51');
  if (v.labels !== undefined && !v.clips) throw new UsageError('--labels goes with --clips');
  switch (given[0]) {
    case 'data':
      return { kind: 'folder', dir: v.data! };
    case 'list':
      return { kind: 'list', file: v.list! };
    case 'clips':
      if (!v.labels) throw new UsageError('--clips X.npy needs --labels Y.npy');
      return { kind: 'clips', clips: v.clips!, labels: v.labels };
    default: {
      const kind = given[0]!;
      const split = Number(v.split ?? '1');
      if (!Number.isInteger(split) || split < 1 || split > 3) throw new UsageError(`--split must be 1, 2 or 3, got '${v.split}'`);
      return { kind, root: v[kind]!, split, part };
    }
  }
}

/**
 * `--val SOURCE`: `test` (the test part of the --ucf101/--hmdb51 split), X.npy,Y.npy (clips + labels),
 * a folder of class folders, or a list file.
 */
export function valSourceFromFlag(val: string, train: DataSource): DataSource {
  if (val === 'test') {
    if (train.kind !== 'ucf101' && train.kind !== 'hmdb51') throw new UsageError('--val test needs --ucf101 or --hmdb51 (the split\'s test list)');
    return { ...train, part: 'test' };
  }
  const pair = val.split(',');
  if (pair.length === 2 && pair.every((p) => p.toLowerCase().endsWith('.npy'))) return { kind: 'clips', clips: pair[0]!, labels: pair[1]! };
  if (!existsSync(val)) throw new UsageError(`--val ${val}: no such file or directory (give test, X.npy,Y.npy, a folder of class folders or a list file)`);
  return statSync(val).isDirectory() ? { kind: 'folder', dir: val } : { kind: 'list', file: val };
}
