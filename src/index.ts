/**
 * c3d: the C3D video network (Tran et al., ICCV 2015) on Node.js.
 * Data flows one way: video → clips → net → features → eval; each stage is exported here.
 */
export * from './tensor/index.js';
export type { Kernels, Conv3dParams, ConvForwardOptions, Pool3dParams, PoolResult, Triple } from './kernels/api.js';
export { referenceKernels } from './kernels/reference/index.js';
export { createFastKernels } from './kernels/fast/index.js';
export * from './models/index.js';
export {
  Net, initParams, checkParams, WeightsMismatchError, syntheticParams, syntheticClips, syntheticTensor, SeededRandom,
  type ParamSet, type ForwardOptions, type ForwardResult, type Tape,
} from './nn/index.js';
export {
  createBackend, createOnnxRuntimeBackend, createWasmBackend, parseBackendName, backendNames, DEFAULT_BACKEND,
  type Backend, type BackendName, type CreateBackendOptions, type WasmBackend,
} from './runtime/index.js';
export { buildOnnxModel, buildOnnxModelWithExternalData, writeOnnxModel, onnxPoolPads, ONNX_OPSET, type OnnxExportOptions } from './io/onnx-export.js';
export * from './io/index.js';
export { readNpy, writeNpy, parseNpy, formatNpy, type NpyArray, type NpyDtype } from './io/npy.js';
export * from './features/index.js';
export * from './eval/index.js';
export * from './data/index.js';
export { openDataset, describeSource } from './data/open.js';
export * from './train/index.js';
export * from './viz/index.js';
export { measureRuntime, formatRuntimeTable, measuredFps, PAPER_TABLE6, UCF101_FRAMES_FROM_TABLE6, type RuntimeMeasurement, type StageSeconds, type MeasureRuntimeOptions, type PaperRuntimeRow } from './features/runtime-table.js';
export * from './synth/index.js';
