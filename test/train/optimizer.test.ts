import { test } from 'node:test';
import assert from 'node:assert/strict';
import { referenceKernels } from '../../src/kernels/reference/index.js';
import { createFastKernels } from '../../src/kernels/fast/index.js';
import type { Kernels } from '../../src/kernels/api.js';
import { Tensor } from '../../src/tensor/index.js';
import { getModel, paramShapes } from '../../src/models/index.js';
import { Net, checkParams } from '../../src/nn/index.js';
import type { OptimizerConfig } from '../../src/train/optimizer-api.js';
import { caffeParamRules, createOptimizer, parseLrMults, DEFAULT_OPTIMIZER_CONFIG } from '../../src/train/optimizer.js';
import { learningRate, parseMilestones, type LrPolicy } from '../../src/train/schedule.js';
import { initWeights, initFromWeights, formatInitReport } from '../../src/train/init.js';
import { expectClose, RTOL } from '../models/golden.js';
import { cloneParams, full, loadTrainFixture, type TrainCase, type TrainFixture } from './fixtures.js';

const fx: TrainFixture = loadTrainFixture();
const caseNamed = (name: string): TrainCase => fx.cases.find((c) => c.name === name)!;

function difference(a: Tensor, b: Tensor): Tensor {
  return new Tensor(a.shape, a.data.map((v, i) => v - b.data[i]!));
}

/** Runs `steps` updates of the case's solver on the fixture batch; returns params, losses, norms. */
async function runCase(c: TrainCase, kernels: Kernels, opts: { rules?: ReturnType<typeof caffeParamRules>; steps?: number } = {}) {
  const params = cloneParams(fx.initial);
  const net = new Net(fx.spec, params, kernels);
  const opt = createOptimizer(c.config, opts.rules ?? caffeParamRules(fx.spec));
  const losses: number[] = [];
  const norms: number[] = [];
  for (let s = 0; s < (opts.steps ?? c.steps); s++) {
    const { loss, grads } = await net.lossAndGrads(fx.clips, fx.labels, { train: false });
    losses.push(loss);
    norms.push(opt.step(params, grads, c.lr));
  }
  return { params, losses, norms, opt, net };
}

function expectMatchesPyTorch(c: TrainCase, r: { params: Map<string, Tensor>; losses: number[]; norms: number[] }, what: string): void {
  c.losses.forEach((ref, s) => assert.ok(Math.abs(r.losses[s]! - ref) <= RTOL * Math.abs(ref), `${what} loss of step ${s}: ${r.losses[s]} vs PyTorch ${ref}`));
  c.norms.forEach((ref, s) => assert.ok(Math.abs(r.norms[s]! - ref) <= RTOL * ref, `${what} gradient norm of step ${s}: ${r.norms[s]} vs PyTorch ${ref}`));
  for (const [name, ref] of c.final) {
    expectClose(r.params.get(name)!, full(ref), `${what} ${name}`);
    // The update itself, to 1e-3 of its largest element: the final weights alone would hide a
    // wrong multiplier on a parameter that moves by less than 1e-4 of the weights.
    const init = fx.initial.get(name)!;
    expectClose(difference(r.params.get(name)!, init), full(difference(ref, init)), `${what} ${name} update`, 1e-3);
  }
}

test('fixture: the net and the initial weights fit, every case moves the weights', () => {
  checkParams(fx.spec, fx.initial);
  assert.deepEqual([...fx.clips.shape], [4, 3, 4, 28, 28]);
  assert.deepEqual([...fx.labels], [0, 1, 2, 0]);
  assert.ok(fx.spec.layers.every((l) => l.type !== 'dropout' || l.p === 0));
  assert.deepEqual(fx.cases.map((c) => c.name), ['sgd-1', 'sgd-3', 'adam-3', 'adamw-3', 'sgd-clip-3', 'sgd-wd-3', 'adamw-wd-3']);
  const clip = caseNamed('sgd-clip-3');
  assert.ok(clip.config.clipGrad! < clip.norms[0]!, 'the clip case clips');
});

for (const c of fx.cases) {
  test(`${c.name}: ${c.steps} step(s) of ${c.config.kind} match torch.optim (reference kernels)`, async () => {
    expectMatchesPyTorch(c, await runCase(c, referenceKernels), c.name);
  });
}

for (const name of ['sgd-clip-3', 'adam-3']) {
  test(`${name}: matches torch.optim on the fast kernels (2 threads)`, async () => {
    const fast = await createFastKernels({ threads: 2 });
    try {
      expectMatchesPyTorch(caseNamed(name), await runCase(caseNamed(name), fast), `${name} (fast)`);
    } finally {
      await fast.dispose();
    }
  });
}

test('the caller\'s gradients are read, not written (clipping included)', async () => {
  const c = caseNamed('sgd-clip-3');
  const params = cloneParams(fx.initial);
  const { grads } = await new Net(fx.spec, params, referenceKernels).lossAndGrads(fx.clips, fx.labels, { train: false });
  const before = cloneParams(grads);
  const norm = createOptimizer(c.config, caffeParamRules(fx.spec)).step(params, grads, c.lr);
  assert.ok(norm > c.config.clipGrad!);
  for (const [k, g] of grads) assert.deepEqual(g.data, before.get(k)!.data, k);
});

test('step() uses Σ g² handed in by the backend: the same update and norm; a non-finite one refuses the step', async () => {
  const c = caseNamed('sgd-clip-3');
  const { grads } = await new Net(fx.spec, cloneParams(fx.initial), referenceKernels).lossAndGrads(fx.clips, fx.labels, { train: false });
  const sums = new Map([...grads].map(([k, g]) => [k, g.data.reduce((s, v) => s + v * v, 0)]));
  const own = cloneParams(fx.initial);
  const given = cloneParams(fx.initial);
  const normOwn = createOptimizer(c.config, caffeParamRules(fx.spec)).step(own, grads, c.lr);
  const optGiven = createOptimizer(c.config, caffeParamRules(fx.spec));
  const normGiven = optGiven.step(given, grads, c.lr, sums);
  assert.ok(Math.abs(normOwn - normGiven) <= 1e-12 * normOwn, `${normOwn} vs ${normGiven}`);
  for (const [k, t] of own) assert.deepEqual(given.get(k)!.data, t.data, k);
  // The sums decide the finiteness check: a NaN sum leaves everything as it was.
  const kept = cloneParams(given);
  assert.throws(() => optGiven.step(given, grads, c.lr, new Map([...sums, ['fc7.weight', NaN]])), /gradient of fc7\.weight is not finite/);
  for (const [k, t] of kept) assert.deepEqual(given.get(k)!.data, t.data, k);
});

test('a frozen layer (lr ×0) is not updated, leaves the norm, and still has saved buffers', async () => {
  const c = caseNamed('sgd-3');
  const rules = caffeParamRules(fx.spec, { freeze: new Set(['conv1', 'fc8']) });
  const r = await runCase(c, referenceKernels, { rules });
  for (const name of ['conv1.weight', 'conv1.bias', 'fc8.weight', 'fc8.bias']) {
    assert.deepEqual(r.params.get(name)!.data, fx.initial.get(name)!.data, `${name} unchanged`);
  }
  assert.notDeepEqual(r.params.get('conv2.weight')!.data, fx.initial.get('conv2.weight')!.data);
  assert.ok(r.norms[0]! < c.norms[0]!, 'frozen gradients are not in the norm');
  const saved = r.opt.save();
  assert.equal(saved.tensors.size, fx.initial.size);
  assert.ok(saved.tensors.get('momentum.conv1.weight')!.data.every((v) => v === 0));
  assert.deepEqual(saved.state, { kind: 'sgd', step: 3 });
});

test('--lr-mult scales a layer\'s weight and bias updates (bias stays 2× the weight\'s rate)', async () => {
  const rules = caffeParamRules(fx.spec, { lrMult: parseLrMults('conv2=0.1,fc8=10') });
  assert.deepEqual(rules('conv2.weight'), { lrMult: 0.1, decayMult: 1 });
  assert.deepEqual(rules('conv2.bias'), { lrMult: 0.2, decayMult: 0 });
  assert.deepEqual(rules('fc8.bias'), { lrMult: 20, decayMult: 0 });
  assert.deepEqual(rules('conv3.weight'), { lrMult: 1, decayMult: 1 });
  assert.deepEqual(rules('conv3.bias'), { lrMult: 2, decayMult: 0 });
  // One SGD step from zero momentum: the update is lr_p·(g + wd_p·w), linear in the multiplier.
  const c = caseNamed('sgd-1');
  const plain = await runCase(c, referenceKernels);
  const scaled = await runCase(c, referenceKernels, { rules });
  for (const [name, mult] of [['conv2.weight', 0.1], ['conv2.bias', 0.1], ['fc8.weight', 10], ['conv3.weight', 1]] as const) {
    const init = fx.initial.get(name)!;
    const d0 = difference(plain.params.get(name)!, init);
    expectClose(difference(scaled.params.get(name)!, init), full(new Tensor(d0.shape, d0.data.map((v) => v * mult))), `${name} ×${mult}`, 1e-3);
  }
  assert.throws(() => caffeParamRules(fx.spec, { lrMult: new Map([['conv1a', 0.1]]) }), /no layer conv1a .*\(layers: conv1, conv2, conv3, conv4, conv5, fc6, fc7, fc8\)/);
  assert.throws(() => caffeParamRules(fx.spec, { freeze: new Set(['fc9']) }), /freeze: no layer fc9/);
  assert.throws(() => parseLrMults('conv1'), /expected LAYER=X/);
  assert.throws(() => parseLrMults(['conv1=-1']), /non-negative/);
  assert.throws(() => parseLrMults(['conv1=1', 'conv1=2']), /given twice/);
  assert.deepEqual([...parseLrMults(['conv1=0.5', 'fc8=2'])], [['conv1', 0.5], ['fc8', 2]]);
});

for (const name of ['sgd-3', 'adamw-3']) {
  test(`${name}: save() after step 1, load() into a new optimizer, 2 more steps = 3 uninterrupted steps exactly`, async () => {
    const c = caseNamed(name);
    const whole = await runCase(c, referenceKernels);
    const first = await runCase(c, referenceKernels, { steps: 1 });
    const saved = first.opt.save();
    assert.deepEqual([...saved.tensors.keys()].slice(0, 2), name === 'sgd-3' ? ['momentum.conv1.weight', 'momentum.conv1.bias'] : ['adam_m.conv1.weight', 'adam_v.conv1.weight']);
    // Through plain copies, as a checkpoint file would give them back.
    const state = { tensors: cloneParams(saved.tensors), state: JSON.parse(JSON.stringify(saved.state)) as Record<string, unknown> };
    const params = cloneParams(first.params);
    const resumed = createOptimizer(c.config, caffeParamRules(fx.spec));
    resumed.load(state, params);
    const net = new Net(fx.spec, params, referenceKernels);
    for (let s = 1; s < c.steps; s++) {
      const { grads } = await net.lossAndGrads(fx.clips, fx.labels, { train: false });
      resumed.step(params, grads, c.lr);
    }
    for (const [k, t] of whole.params) assert.deepEqual(params.get(k)!.data, t.data, k);
    assert.deepEqual(resumed.save().state, { kind: c.config.kind, step: 3 });
  });
}

test('load() refuses state that does not fit, in one line naming the buffer', async () => {
  const c = caseNamed('adam-3');
  const r = await runCase(c, referenceKernels, { steps: 1 });
  const saved = r.opt.save();
  const fresh = () => createOptimizer(c.config, caffeParamRules(fx.spec));
  const oneLine = (re: RegExp) => (e: unknown) => e instanceof Error && !e.message.includes('\n') && re.test(e.message);
  assert.throws(() => createOptimizer({ ...c.config, kind: 'sgd' }, caffeParamRules(fx.spec)).load(saved, r.params), oneLine(/saved by a adam optimizer, cannot continue with sgd/));
  const wrongShape = new Map(saved.tensors);
  wrongShape.set('adam_v.fc8.bias', new Tensor([4]));
  assert.throws(() => fresh().load({ tensors: wrongShape, state: saved.state }, r.params), oneLine(/buffer 'adam_v\.fc8\.bias' is \[4\], the parameter \[3\]/));
  const unknown = new Map(saved.tensors);
  unknown.set('adam_m.fc9.weight', new Tensor([3]));
  assert.throws(() => fresh().load({ tensors: unknown, state: saved.state }, r.params), oneLine(/'adam_m\.fc9\.weight' is for fc9\.weight, not a parameter/));
  const missing = new Map(saved.tensors);
  missing.delete('adam_m.conv3.bias');
  assert.throws(() => fresh().load({ tensors: missing, state: saved.state }, r.params), oneLine(/no buffer 'adam_m\.conv3\.bias'/));
  assert.throws(() => fresh().load({ tensors: saved.tensors, state: { kind: 'adam', step: -1 } }, r.params), oneLine(/step must be a non-negative integer/));
});

test('step() checks its input before changing anything: missing or non-finite gradients, bad config', async () => {
  const params = cloneParams(fx.initial);
  const { grads } = await new Net(fx.spec, params, referenceKernels).lossAndGrads(fx.clips, fx.labels, { train: false });
  const opt = createOptimizer({ ...DEFAULT_OPTIMIZER_CONFIG }, caffeParamRules(fx.spec));
  const bad = cloneParams(grads);
  bad.get('fc7.weight')!.data[5] = NaN;
  assert.throws(() => opt.step(params, bad, 0.01), /gradient of fc7\.weight is not finite .*parameters left unchanged/);
  const partial = cloneParams(grads);
  partial.delete('conv2.bias');
  assert.throws(() => opt.step(params, partial, 0.01), /no gradient for conv2\.bias/);
  for (const [k, t] of params) assert.deepEqual(t.data, fx.initial.get(k)!.data, k);
  assert.deepEqual(opt.save().state, { kind: 'sgd', step: 0 });
  const base: OptimizerConfig = { ...DEFAULT_OPTIMIZER_CONFIG };
  assert.throws(() => createOptimizer({ ...base, momentum: 1 }, caffeParamRules(fx.spec)), /momentum must be in \[0, 1\), got 1/);
  assert.throws(() => createOptimizer({ ...base, kind: 'rmsprop' as 'sgd' }, caffeParamRules(fx.spec)), /unknown kind 'rmsprop' \(known: sgd, adam, adamw\)/);
  assert.throws(() => createOptimizer({ ...base, clipGrad: 0 }, caffeParamRules(fx.spec)), /clipping norm must be a positive number/);
});

test('schedules: step, multistep, cosine and warm-up on hand-computed values', () => {
  const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
  // Caffe's c3d_train_ucf101 solver: 0.003, ÷10 every 20,000 iterations.
  const step: LrPolicy = { kind: 'step', base: 0.003, gamma: 0.1, step: 20000 };
  close(learningRate(step, 0), 0.003, 'step 0');
  close(learningRate(step, 19999), 0.003, 'step 19999');
  close(learningRate(step, 20000), 0.0003, 'step 20000');
  close(learningRate(step, 45000), 0.00003, 'step 45000');
  close(learningRate({ kind: 'fixed', base: 0.01 }, 123456), 0.01, 'fixed');
  // MMAction2: MultiStep [20, 40] epochs ×0.1; here 100 iterations per epoch, default gamma 0.1.
  const multi: LrPolicy = { kind: 'multistep', base: 0.001, milestones: parseMilestones('20,40').map((e) => e * 100) };
  close(learningRate(multi, 1999), 0.001, 'multistep 1999');
  close(learningRate(multi, 2000), 0.0001, 'multistep 2000');
  close(learningRate(multi, 3999), 0.0001, 'multistep 3999');
  close(learningRate(multi, 4000), 0.00001, 'multistep 4000');
  // Cosine: min + (base − min)(1 + cos(π t/T))/2; at T/2 the midpoint, at T/3 (1 + 1/2)/2 = 3/4.
  const cos: LrPolicy = { kind: 'cosine', base: 0.1, min: 0.001, total: 300 };
  close(learningRate(cos, 0), 0.1, 'cosine 0');
  close(learningRate(cos, 100), 0.001 + 0.099 * 0.75, 'cosine T/3');
  close(learningRate(cos, 150), 0.0505, 'cosine T/2');
  close(learningRate(cos, 300), 0.001, 'cosine T');
  close(learningRate(cos, 450), 0.001, 'cosine past T stays at min');
  // Warm-up ×(iter + 1)/warmup on top of the policy, which keeps counting underneath.
  const warm: LrPolicy = { kind: 'step', base: 0.01, gamma: 0.5, step: 3, warmup: 4 };
  close(learningRate(warm, 0), 0.0025, 'warm-up 0');
  close(learningRate(warm, 1), 0.005, 'warm-up 1');
  close(learningRate(warm, 3), 0.005, 'warm-up 3 (step already dropped)');
  close(learningRate(warm, 4), 0.005, 'after warm-up');
  close(learningRate({ kind: 'fixed', base: 0.1, warmup: 10 }, 9), 0.1, 'last warm-up iteration reaches base');
  // Validation.
  assert.throws(() => learningRate({ kind: 'step', base: 0.1 }, 0), /lr policy step: needs step/);
  assert.throws(() => learningRate({ kind: 'multistep', base: 0.1, milestones: [40, 20] }, 0), /milestones must increase, got 40 then 20/);
  assert.throws(() => learningRate({ kind: 'cosine', base: 0.1 }, 0), /needs total/);
  assert.throws(() => learningRate({ kind: 'cosine', base: 0.1, total: 10, min: 0.2 }, 0), /min must be between 0 and the base rate/);
  assert.throws(() => learningRate({ kind: 'fixed', base: 0 }, 0), /base learning rate must be a positive number/);
  assert.throws(() => learningRate({ kind: 'poly' as 'fixed', base: 0.1 }, 0), /unknown kind 'poly' \(known: fixed, step, multistep, cosine\)/);
  assert.throws(() => learningRate({ kind: 'fixed', base: 0.1 }, -1), /non-negative integer/);
  assert.throws(() => learningRate({ kind: 'fixed', base: 0.1, warmup: 2.5 }, 0), /warm-up must be/);
  assert.deepEqual(parseMilestones(' 5, 10 ,15'), [5, 10, 15]);
  assert.throws(() => parseMilestones('20,,40'), /'' is not a non-negative number/);
  assert.throws(() => parseMilestones('20,x'), /'x' is not a non-negative number \(expected e\.g\. 20,40\)/);
  assert.throws(() => parseMilestones('40,20'), /milestones '40,20': milestones must increase/);
});

test('init schemes: pytorch uniform ±1/√fan_in, kaiming N(0, √(2/fan_in)) with zero bias, caffe = initParams; seeded', () => {
  const spec = getModel('depth-3', { width: 1 / 8, size: 56, classes: 7 });
  const shapes = paramShapes(spec);
  const stats = (t: Tensor) => {
    let s = 0;
    let s2 = 0;
    let max = 0;
    for (const v of t.data) {
      s += v;
      s2 += v * v;
      max = Math.max(max, Math.abs(v));
    }
    return { mean: s / t.size, std: Math.sqrt(s2 / t.size), max };
  };
  const pt = initWeights(spec, 'pytorch', 7);
  checkParams(spec, pt);
  for (const name of ['conv3.weight', 'conv3.bias', 'fc6.weight', 'fc7.weight']) {
    const fanIn = shapes.get(name.replace('bias', 'weight'))!.slice(1).reduce((a, b) => a * b, 1);
    const bound = 1 / Math.sqrt(fanIn);
    const s = stats(pt.get(name)!);
    assert.ok(s.max <= bound * (1 + 1e-6), `${name} inside ±1/√${fanIn} (float32 rounding aside)`);
    if (name.endsWith('weight')) {
      assert.ok(s.max > 0.99 * bound, `${name} reaches the bound`);
      assert.ok(Math.abs(s.std - bound / Math.sqrt(3)) < 0.05 * bound / Math.sqrt(3), `${name} std ${s.std} vs ${bound / Math.sqrt(3)}`);
      assert.ok(Math.abs(s.mean) < 0.05 * bound, `${name} mean ${s.mean}`);
    }
  }
  const kh = initWeights(spec, 'kaiming', 7);
  for (const name of ['conv2.weight', 'conv4.weight', 'fc6.weight', 'fc7.weight']) {
    const fanIn = shapes.get(name)!.slice(1).reduce((a, b) => a * b, 1);
    const s = stats(kh.get(name)!);
    assert.ok(Math.abs(s.std - Math.sqrt(2 / fanIn)) < 0.05 * Math.sqrt(2 / fanIn), `${name} std ${s.std} vs √(2/${fanIn})`);
    assert.ok(Math.abs(s.mean) < 0.05 * Math.sqrt(2 / fanIn), `${name} mean ${s.mean}`);
    assert.ok(kh.get(name.replace('weight', 'bias'))!.data.every((v) => v === 0));
  }
  assert.deepEqual(initWeights(spec, 'kaiming', 7).get('fc8.weight')!.data, kh.get('fc8.weight')!.data, 'seeded');
  assert.notDeepEqual(initWeights(spec, 'kaiming', 8).get('fc8.weight')!.data, kh.get('fc8.weight')!.data, 'another seed');
  assert.deepEqual(initWeights(spec, 'pytorch', 7).get('conv1.bias')!.data, pt.get('conv1.bias')!.data, 'seeded');
  const caffe = initWeights(spec, 'caffe', 7);
  assert.ok(caffe.get('conv2.bias')!.data.every((v) => v === 1) && caffe.get('fc8.bias')!.data.every((v) => v === 0));
  assert.ok(Math.abs(stats(caffe.get('conv3.weight')!).std - 0.01) < 0.0005);
  assert.throws(() => initWeights(spec, 'xavier' as 'caffe', 1), /unknown scheme 'xavier' \(known: caffe, pytorch, kaiming\)/);
});

test('initFromWeights: fine-tuning a 487-way file into a 101-way net re-initialises fc8 and says why', () => {
  const small = { width: 1 / 32, length: 8, size: 56 };
  const source = getModel('c3d-sports1m', small);
  const target = getModel('c3d-sports1m', { ...small, classes: 101 });
  const loaded = initWeights(source, 'pytorch', 1);
  loaded.delete('fc7.bias'); // a layer with only its weight in the file is not half copied
  loaded.set('extra.weight', new Tensor([2]));
  const fresh = initWeights(target, 'caffe', 2);
  const r = initFromWeights(target, loaded, fresh);
  checkParams(target, r.params);
  assert.deepEqual(r.copied, ['conv1a', 'conv2a', 'conv3a', 'conv3b', 'conv4a', 'conv4b', 'conv5a', 'conv5b', 'fc6']);
  assert.deepEqual(r.reinitialised, [
    { layer: 'fc7', reason: 'bias not in the weights file (only the weight is)' },
    { layer: 'fc8', reason: 'shape [487, 128] in the file ≠ [101, 128] in the net' },
  ]);
  assert.deepEqual(r.ignored, ['fc7.weight', 'fc8.weight', 'fc8.bias', 'extra.weight']);
  assert.equal(r.params.get('conv3b.weight'), loaded.get('conv3b.weight'));
  assert.equal(r.params.get('fc7.weight'), fresh.get('fc7.weight'));
  assert.equal(r.params.get('fc8.bias'), fresh.get('fc8.bias'));
  assert.deepEqual(formatInitReport(r, 'caffe'), [
    'copied from the weights file (9 layers): conv1a, conv2a, conv3a, conv3b, conv4a, conv4b, conv5a, conv5b, fc6',
    're-initialised fc7 (caffe init): bias not in the weights file (only the weight is)',
    're-initialised fc8 (caffe init): shape [487, 128] in the file ≠ [101, 128] in the net',
    'ignored in the weights file (4 tensors): fc7.weight, fc8.weight, fc8.bias, extra.weight',
  ]);
  // Nothing in common: every layer fresh, and the report warns.
  const none = initFromWeights(target, new Map([['backbone.conv1a.conv.weight', new Tensor([1])]]), fresh);
  assert.deepEqual(none.copied, []);
  assert.ok(none.reinitialised.every((x) => x.reason === 'not in the weights file'));
  assert.match(formatInitReport(none)[0]!, /^warning: no layer copied from the weights file/);
  assert.throws(() => initFromWeights(target, loaded, initWeights(source, 'caffe', 2)), /fresh weights do not fit model/);
});
