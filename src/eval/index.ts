/**
 * Public API of the evaluation suite (paper §4–6): re-exported by src/index.ts.
 * See docs/evaluate.md for the commands and every choice made.
 */
export { type FeatureMatrix, loadFeatures, l2NormalizeRows, concatNormalized, assertFinite, assertSameDim } from './features.js';
export { readLabels, LabelEncoder } from './labels.js';
export {
  type LinearSvmModel,
  type LinearSvmOptions,
  type SvmLoss,
  trainLinearSvm,
  decisionValues,
  predictLinearSvm,
} from './linear-svm.js';
export { trainAndTest, type ClassifyOptions, type ClassifyResult } from './classify.js';
export { stratifiedFolds, crossValidate, searchC, DEFAULT_C_GRID } from './cross-validation.js';
export { loadVideoDescriptors, meanDescriptor } from './video-descriptors.js';
export { type VideoSplit } from './protocols/splits.js';
export { readUcf101Split } from './protocols/ucf101.js';
export { readHmdb51Split } from './protocols/hmdb51.js';
export { readVideoList, leaveOneOutFolds, kFolds, foldsToSplits } from './protocols/list.js';
export { runProtocol, meanAndStdError, type ProtocolResult } from './protocols/run.js';
export { PcaModel, fitPca, loadPca, savePca, pcaSweep } from './pca.js';
export { tsne, type TsneOptions } from './tsne.js';
export { cosineSearch, knnAccuracy, knnGraph, type CosineSearchOptions } from './neighbors.js';
export { aslanMeasures } from './aslan/measures.js';
export { readAslanSplits, type AslanSplits, type AslanPair } from './aslan/splits.js';
export { runAslan, type AslanResult } from './aslan/protocol.js';
export { roc as rocCurve } from './roc.js';
export { clipLabel, windowLabels, objectClips } from './object-protocol.js';
