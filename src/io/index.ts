/** Weights interop: Caffe C3D release files, torch.save files (safely), our safetensors checkpoints. */
export { WeightsError } from './errors.js';
export {
  loadWeights,
  resolveWeightsPath,
  DEMO_WEIGHTS,
  loadCheckpoint,
  saveSafetensors,
  saveCaffemodel,
  validateParams,
  expectedShapes,
  paramCount,
  readRaw,
  fittingModels,
  assertWeightsFileExists,
  WEIGHTS_HINT,
  loadOptionsFromText,
  type WeightSet,
  type LoadOptions,
  type TrainingState,
} from './weights.js';
export {
  CAFFE_CONVENTION,
  PORT_CONVENTION,
  MMACTION_CONVENTION,
  parseChannels,
  parseMean,
  channelMean,
  describeConvention,
  type InputConvention,
  type MeanSpec,
  type ChannelOrder,
} from './convention.js';
export { detectFormat, type WeightsFormat } from './format.js';
export { readOnnxWeights, type OnnxSummary, type OnnxWeights } from './onnx-weights.js';
export { KEYMAP_PRESETS, parseKeyMap, detectPreset, mapKeys, resolveKeyRules, type KeyRule, type KeyMapPreset } from './keymap.js';
export { readCaffemodel, writeCaffemodel, type CaffeNet, type CaffeLayer } from './caffe/caffemodel.js';
export { readBinaryproto as readMeanCube, readBinaryproto } from './caffe/blob.js';
export { readCaffeFeatureFile } from './caffe/feature-file.js';
export { readTorchFile, TORCH_GLOBALS } from './torch/load.js';
export { writeTorchZip, writeTorchLegacy } from './torch/save.js';
export { readSafetensors, writeSafetensors } from './safetensors.js';
