/** A `DataSource` (what the config names) opened as a `Dataset`. */
import type { DataSource } from '../train/config.js';
import type { Dataset } from './dataset.js';
import { readClipsDataset, readFolderDataset, readHmdb51Dataset, readUcf101Dataset } from './sources.js';
import { readListDataset } from './list-file.js';

/** Opens the source; `classes` fixes the class count of sources with numeric labels (lists, clips). */
export function openDataset(src: DataSource, opts: { classes?: number; part?: 'train' | 'test' } = {}): Dataset {
  switch (src.kind) {
    case 'folder':
      return readFolderDataset(src.dir);
    case 'ucf101':
      return readUcf101Dataset(src.root, src.split, src.part ?? opts.part ?? 'train');
    case 'hmdb51':
      return readHmdb51Dataset(src.root, src.split, src.part ?? opts.part ?? 'train');
    case 'list':
      return readListDataset(src.file, { classes: opts.classes });
    case 'clips':
      return readClipsDataset(src.clips, src.labels, { classes: opts.classes });
  }
}

/** One line naming a source, for messages and logs. */
export function describeSource(src: DataSource): string {
  switch (src.kind) {
    case 'folder':
      return src.dir;
    case 'ucf101':
    case 'hmdb51':
      return `${src.kind === 'ucf101' ? 'UCF101' : 'HMDB51'} split ${src.split} ${src.part ?? 'train'} (${src.root})`;
    case 'list':
      return src.file;
    case 'clips':
      return `${src.clips} + ${src.labels}`;
  }
}
