/**
 * One full C3D training step (c3d-sports1m, 101 classes, batch 1, dropout on): the onnxruntime
 * training graph's loss and every gradient equal our net runtime's on the wasm kernels to 1e-4 of
 * each tensor's largest value. The heavy one (≈ 15–20 s on 2 cores); the small specs are in
 * onnx-step.test.ts.
 *
 * Max pooling and ReLU make a gradient discontinuous: where the two largest values of a window differ
 * by float32 rounding (≈ 1e-7 relative), or a unit is within rounding of ReLU's 0, the two backends'
 * forward passes may route it differently, and every layer below then gets (correctly) different
 * gradients: of the ≈ 17M such decisions in a full C3D step, a few are near-ties on some inputs and
 * CPUs (seed 4 here: one pool2 window; seed 7: two units of relu3a — each moved conv weight gradients
 * below by ≈ 1e-3). So the test compares the routing too (switches, pooled maxima, ReLU masks): every
 * decision that differs must be a near-tie (≤ 1e-5 of the layer's largest value), and the gradients
 * of the layers below the first such decision are left out (named in the log). With this seed, on
 * this machine, there is none and every gradient is compared.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { analyzeSpec, getModel } from '../../src/models/index.js';
import { Net, syntheticClips, syntheticParams } from '../../src/nn/index.js';
import { createFastKernels } from '../../src/kernels/fast/index.js';
import { buildTrainGraph, TRAIN_NAMES } from '../../src/train/onnx/graph.js';
import { dropoutMasks, dropoutSites } from '../../src/train/dropout.js';

const SEED = 1;

test('full C3D, batch 1: loss and every gradient equal the wasm backend (near-ties of max pool and ReLU accounted for)', async () => {
  const spec = getModel('c3d-sports1m', { classes: 101 });
  const params = syntheticParams(spec, SEED);
  const clips = syntheticClips(spec, 1, SEED);
  const labels = Int32Array.from([17]);
  const masks = dropoutMasks(dropoutSites(spec), SEED, 0, 0, 1);
  const infos = analyzeSpec(spec);

  // onnxruntime: the training graph with the pools' switches and every blob as extra outputs.
  const graph = buildTrainGraph(spec, { debugOutputs: true });
  const session = await ort.InferenceSession.create(graph.bytes, { intraOpNumThreads: 2, graphOptimizationLevel: 'all', logSeverityLevel: 3 });
  const feeds: Record<string, ort.Tensor> = {
    [TRAIN_NAMES.clips]: new ort.Tensor('float32', clips.data, [...clips.shape]),
    [TRAIN_NAMES.labels]: new ort.Tensor('int64', BigInt64Array.from(labels, (v) => BigInt(v)), [1]),
  };
  for (const p of graph.params) feeds[p] = new ort.Tensor('float32', params.get(p)!.data, [...params.get(p)!.shape]);
  for (const m of graph.masks) feeds[m.input] = new ort.Tensor('float32', Float32Array.from(masks.get(m.layer)!, (k) => k / (1 - m.p)), [1, ...m.shape]);
  const out = await session.run(feeds);
  await session.release();

  // wasm: the net runtime, keeping its tape for the switches.
  const kernels = await createFastKernels({ threads: 2 });
  const net = new Net(spec, params, kernels);
  const { blobs, tape } = await net.forward(clips, { outputs: net.blobNames.filter((b) => b !== 'prob'), train: true, dropoutMasks: masks, keepTape: true });
  const ref = kernels.softmaxCrossEntropy(blobs.get(net.logitsName)!, labels);
  const { grads } = await net.backward(tape!, new Map([[net.logitsName, ref.grad]]));
  await kernels.dispose();

  const loss = (out[TRAIN_NAMES.loss]!.data as Float32Array)[0]!;
  assert.ok(Math.abs(loss - ref.loss) <= 1e-4 * ref.loss, `loss ${loss} vs ${ref.loss}`);

  // Routing: every decision that differs must be a near-tie; the layers below it are not compared.
  let firstFlipped = Infinity;
  const flagged = (i: number, what: string, count: number): void => {
    if (count === 0) return;
    console.log(`# ${what}: ${count} near-tie(s) decided differently by the two backends; gradients below are not compared`);
    firstFlipped = Math.min(firstFlipped, i);
  };
  infos.forEach((info, i) => {
    const l = info.layer;
    const scaleOf = (x: Float32Array) => x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    if (l.type === 'pool3d') {
      // Switches: ours flat over (N, C, …), the kernels' within each (n, c) volume. A window whose
      // maximum is ≤ 0 on both sides sends no gradient (the ReLU before it), whatever its argmax.
      const ours = out[TRAIN_NAMES.argmax(l.name)]!.data as BigInt64Array;
      const ourMax = out[TRAIN_NAMES.blob(l.name)]!.data as Float32Array;
      const theirs = (tape!.entries[i] as { argmax: Int32Array }).argmax;
      const theirMax = blobs.get(l.name)!.data;
      const x = blobs.get(info.inName)!.data;
      const scale = scaleOf(x);
      const volume = info.inShape.slice(1).reduce((a, b) => a * b, 1);
      const perChannel = ours.length / info.inShape[0]!;
      assert.equal(ours.length, theirs.length, `${l.name}: switch count`);
      let flips = 0;
      for (let k = 0; k < ours.length; k++) {
        const a = Number(ours[k]!);
        const b = Math.floor(k / perChannel) * volume + theirs[k]!;
        const signFlip = ourMax[k]! > 0 !== theirMax[k]! > 0;
        if (!signFlip && (a === b || theirMax[k]! <= 0)) continue;
        flips++;
        const gap = signFlip ? Math.max(Math.abs(ourMax[k]!), Math.abs(theirMax[k]!)) : Math.abs(x[a]! - x[b]!);
        assert.ok(gap <= 1e-5 * scale, `${l.name}: output ${k} routed to input ${a} (max ${ourMax[k]}), the wasm backend to ${b} (max ${theirMax[k]}): not a near-tie`);
      }
      flagged(i, l.name, flips);
    } else if (l.type === 'relu' && infos[i + 1]?.layer.type !== 'pool3d') {
      // A ReLU the next pool does not cover: its mask [y > 0] on both sides.
      const ours = out[TRAIN_NAMES.blob(info.outName)]!.data as Float32Array;
      const theirs = blobs.get(info.outName)!.data;
      const scale = scaleOf(theirs);
      let flips = 0;
      for (let k = 0; k < ours.length; k++) {
        if (ours[k]! > 0 === theirs[k]! > 0) continue;
        flips++;
        assert.ok(Math.max(Math.abs(ours[k]!), Math.abs(theirs[k]!)) <= 1e-5 * scale, `${l.name}: unit ${k} is ${ours[k]} here, ${theirs[k]} on wasm: not a near-tie of ReLU's 0`);
      }
      flagged(i, `${l.name} (after ${infos[i - 1]!.layer.name})`, flips);
    }
  });

  let compared = 0;
  infos.forEach((info, i) => {
    if (info.layer.type !== 'conv3d' && info.layer.type !== 'fc') return;
    if (i < firstFlipped && firstFlipped !== Infinity) return;
    for (const kind of ['weight', 'bias']) {
      const name = `${info.layer.name}.${kind}`;
      const a = out[TRAIN_NAMES.grad(name)]!.data as Float32Array;
      const b = grads.get(name)!.data;
      let worst = 0;
      let scale = 0;
      for (let j = 0; j < a.length; j++) {
        worst = Math.max(worst, Math.abs(a[j]! - b[j]!));
        scale = Math.max(scale, Math.abs(b[j]!));
      }
      assert.ok(scale > 0, `d${name}: all zeros`);
      assert.ok(worst <= 1e-4 * scale, `d${name}: max difference ${worst.toExponential(2)} vs scale ${scale.toExponential(2)}`);
      compared++;
    }
  });
  assert.ok(compared >= 6, `only ${compared} gradients compared`);
});
