export { type VideoItem, type VideoDataset, type ClipsDataset, type Dataset, DatasetError, datasetSize, itemLabel } from './dataset.js';
export { readFolderDataset, readUcf101Dataset, readHmdb51Dataset, readClipsDataset, checkClasses, checkEveryClassHasItems } from './sources.js';
export { readListDataset, type ListFormat } from './list-file.js';
export { checkDatasetFiles } from './check.js';
export { buildFrameCache, FrameCache, type BuildFrameCacheOptions, type CacheFailure, type FrameCacheProgress } from './frame-cache.js';
export { clipWindow, trainCrop, testCrop, writeClip, readClip, testClipStarts, middleClipStart, type ClipCrop } from './sampling.js';
export {
  TrainLoader,
  TestLoader,
  BatchPrefetcher,
  type TrainLoaderOptions,
  type TestLoaderOptions,
  type TrainBatch,
  type TestBatch,
  type TestClip,
  type SampleInfo,
  type DroppedItem,
  type ClipGeometry,
} from './loader.js';
