import { getModel } from '../dist/src/models/index.js';
import { initParams, syntheticClips } from '../dist/src/nn/index.js';
import { createOnnxStep } from '../dist/src/train/onnx-step.js';
import { ParamMemory, tensorsIn } from '../dist/src/train/param-memory.js';
import { dropoutMasks, dropoutSites } from '../dist/src/train/dropout.js';
import { caffeParamRules, createOptimizer, DEFAULT_OPTIMIZER_CONFIG, optimizerBufferCount } from '../dist/src/train/optimizer.js';
const SPEC = getModel('c3d-sports1m', { classes: 101 });
const SGD = { ...DEFAULT_OPTIMIZER_CONFIG, kind: 'sgd', momentum: 0.9, weightDecay: 0.005 };
const batch = 8;
const g = (x) => (x / 2 ** 20).toFixed(2);
const rep = (w) => `${w}: maxrss ${g(process.resourceUsage().maxRSS)} rss ${g(process.memoryUsage().rss / 1024)}`;
const memory = ParamMemory.forSpec(SPEC, 2 + optimizerBufferCount('sgd')) ?? undefined;
const params = initParams(SPEC, { seed: 1, alloc: tensorsIn(memory) });
const out = [rep('params')];
const step = await createOnnxStep(SPEC, { threads: 2, memory });
out.push(rep('session'));
const opt = createOptimizer(SGD, caffeParamRules(SPEC), { memory });
const sites = dropoutSites(SPEC);
const clips = syntheticClips(SPEC, batch, 1);
const labels = Int32Array.from({ length: batch }, (_, i) => i % 101);
for (let it = 0; it < 3; it++) {
  const { grads, gradSumSquares } = await step.lossAndGrads(params, { clips, labels, dropoutMasks: dropoutMasks(sites, 1, it, 0, batch) });
  opt.step(params, grads, 0.003, gradSumSquares);
  out.push(rep(`step ${it}`));
}
console.log(out.join(' | '));
