/** Net specs: built-in nets, shape inference, counts and JSON round-trip. */
export type { NetSpec, LayerSpec, Conv3dLayer, Pool3dLayer, FcLayer, ReluLayer, DropoutLayer, SoftmaxLayer, ParamLayer } from './spec.js';
export { isParamLayer, createsBlob } from './spec.js';
export { analyzeSpec, blobShapes, blobNames, paramShapes, countParams, countMacs, SpecError, INPUT_BLOB, type LayerInfo } from './shapes.js';
export { getModel, modelNames, modelSummary, modelDefaults, type ModelOptions } from './zoo.js';
export { specToJson, parseNetSpec, readNetSpec } from './json.js';
