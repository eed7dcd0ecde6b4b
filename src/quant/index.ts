/** Static int8 quantisation of our ONNX graph: calibration, graph rewrite, int8 model files (docs/int8.md). */
export { calibrate, calibrationTensors, CalibrationError, CALIBRATION_METHODS, RangeStats, type ActivationRange, type Calibration, type CalibrationMethod, type CalibrationOptions } from './calibrate.js';
export { buildQuantizedModel, int8Layers, quantizeBias, quantizeWeightsPerChannel, uint8Params, QUANT_OPSET, type QuantizeGraphOptions, type QuantParams } from './quantize-graph.js';
export { describeInt8, quantizeNet, writeQuantizedModel, type CalibrationFacts, type QuantizedNet, type QuantizeOptions } from './quantize-net.js';
export { readCalibrationClips, type CalibrationClipOptions } from './calibration-clips.js';
