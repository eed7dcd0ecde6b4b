/**
 * What training and testing read: one `Dataset` type whatever the source (a folder of class folders,
 * UCF101 / HMDB51 split files, Caffe / MMAction2 list files, preprocessed clip arrays), so the
 * training loop never knows which was used.
 */

/** One listed video (or frames directory) and its class. */
export interface VideoItem {
  /** Video file or frames directory (`%06d.jpg`), as opened by src/video/decode.ts. */
  path: string;
  /** Class index in [0, classes.length). */
  label: number;
  /**
   * 0-based first frame of the single clip this item stands for (Caffe list files `path start label`;
   * frame folders count from 1 there, already converted). Undefined: the sampler picks the window.
   */
  start?: number;
  /** Where the item was listed, for messages: `list.txt:12`, or the path for folder datasets. */
  where: string;
}

/** Videos to decode (through the frame cache). */
export interface VideoDataset {
  kind: 'videos';
  /** Class names by label index. */
  classes: string[];
  items: VideoItem[];
  /** One line saying where the data came from, e.g. `UCF101 split 1 train (/data/ucf101)`. */
  origin: string;
}

/** Preprocessed clips (`--clips X.npy --labels Y.npy`): used as given, no crop, flip or mean. */
export interface ClipsDataset {
  kind: 'clips';
  classes: string[];
  /** N×C×L×H×W float32, row-major. */
  clips: Float32Array;
  shape: [number, number, number, number, number];
  labels: Int32Array;
  origin: string;
}

export type Dataset = VideoDataset | ClipsDataset;

/** Bad data: missing files, a bad list line, a label out of range. The message names the file (and line). */
export class DatasetError extends Error {
  override name = 'DatasetError';
}

/** Number of items (videos or clips). */
export function datasetSize(ds: Dataset): number {
  return ds.kind === 'videos' ? ds.items.length : ds.labels.length;
}

/** Label of item i. */
export function itemLabel(ds: Dataset, i: number): number {
  return ds.kind === 'videos' ? ds.items[i]!.label : ds.labels[i]!;
}
