/** The net runtime on our kernels: forward to any named blob, backward, Caffe initialisation. */
export { Net, convParams, poolParams, type ForwardOptions, type ForwardResult, type BackwardResult, type BackwardOptions, type ReluRule, type Tape } from './net.js';
export { checkParams, initParams, WeightsMismatchError, type ParamSet, type InitOptions } from './params.js';
export { SeededRandom, mixSeed } from './random.js';
export { syntheticTensor, syntheticParams, syntheticClips } from './synthetic.js';
