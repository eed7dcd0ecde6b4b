/** Training and testing 3D ConvNets (paper §3, §4): re-exported by src/index.ts. */
export { train, splitBatch, DivergedError, type TrainEvent, type TrainOptions, type TrainResult } from './train.js';
export { testNet, type TestNetOptions, type TestNetResult } from './test-net.js';
export { evaluateNet, type EvaluateOptions, type EvaluateResult, type VideoPrediction } from './evaluate.js';
export { DEFAULT_CONFIG, checkConfig, configDifferences, parseSteps, type TrainConfig, type DataSource, type Duration, type InitScheme, type LrPolicyKind } from './config.js';
export type { TrainStep, StepInput, StepResult } from './step.js';
export { createTrainStep, TRAIN_BACKENDS, type TrainBackendName, type CreateTrainStepOptions } from './create-step.js';
export { createWasmStep, type WasmStepOptions } from './wasm-step.js';
export { createOnnxStep, type OnnxStepOptions, type ExecutionProviders } from './onnx-step.js';
export type { Optimizer, OptimizerConfig, OptimizerKind, OptimizerState, ParamRule } from './optimizer-api.js';
export { createOptimizer, caffeParamRules, parseLrMults, type OptimizerOptions } from './optimizer.js';
export { ParamMemory } from './param-memory.js';
export { learningRate, type LrPolicy } from './schedule.js';
export { initWeights, initFromWeights, formatInitReport } from './init.js';
export { dropoutSites, dropoutMasks, withDropout, type DropoutSite } from './dropout.js';
export { saveTrainCheckpoint, loadTrainCheckpoint, listCheckpoints, checkpointPath, type RunPosition, type CheckpointContents } from './checkpoint.js';
export { ClassificationTally, averageScores, testReport, confusionCsv, type TestReport } from './metrics.js';
export { trainingCurvesPng } from './curves.js';
