/**
 * The training run's parameter memory (src/train/param-memory.ts): tensors allocated in one
 * WebAssembly memory, and the SGD update there as WebAssembly SIMD — checked against the optimizer's
 * JavaScript update (itself checked against torch.optim in optimizer.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getModel, paramShapes } from '../../src/models/index.js';
import { initParams } from '../../src/nn/index.js';
import { Tensor } from '../../src/tensor/index.js';
import { ParamMemory } from '../../src/train/param-memory.js';
import { caffeParamRules, createOptimizer, DEFAULT_OPTIMIZER_CONFIG } from '../../src/train/optimizer.js';
import type { OptimizerConfig } from '../../src/train/optimizer-api.js';

const spec = getModel('depth-3', { classes: 5, width: 0.125, size: 32, length: 8 });

/** Gradients of the parameters' shapes with values in ±0.1, seeded. */
function fakeGrads(params: ReadonlyMap<string, Tensor>, seed: number, alloc = (s: readonly number[]) => new Tensor(s)): Map<string, Tensor> {
  let x = seed;
  const out = new Map<string, Tensor>();
  for (const [name, p] of params) {
    const g = alloc(p.shape);
    for (let i = 0; i < g.size; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      g.data[i] = (x / 2 ** 31 - 0.5) * 0.2;
    }
    out.set(name, g);
  }
  return out;
}

/**
 * The SIMD update rounds every operation to float32, the JavaScript one computes in double and rounds
 * once: the tensors agree to float32 precision (‖a − b‖ / ‖b‖ < 1e-6; elementwise, a value that is
 * nearly cancelled by its update can differ more in relative terms, never by more than 1e-6 absolute: an ulp of values up to 8).
 */
function assertClose(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length);
  let diff = 0;
  let norm = 0;
  let worstAbs = 0;
  for (let i = 0; i < a.length; i++) {
    diff += (a[i]! - b[i]!) ** 2;
    norm += b[i]! ** 2;
    worstAbs = Math.max(worstAbs, Math.abs(a[i]! - b[i]!));
  }
  assert.ok(Math.sqrt(diff / norm) < 1e-6, `${what}: relative difference ${Math.sqrt(diff / norm)}`);
  assert.ok(worstAbs < 1e-6, `${what}: largest difference ${worstAbs}`);
}

test('tensors are views of one memory, 16-byte aligned; a full memory and a foreign array are refused', () => {
  const memory = ParamMemory.forSpec(spec, 3)!;
  assert.ok(memory);
  const a = memory.alloc([3, 5]);
  const b = memory.alloc([7]);
  assert.equal(a.data.byteOffset % 16, 0);
  assert.equal(b.data.byteOffset % 16, 0);
  assert.ok(memory.holds(a.data, b.data));
  assert.ok(!memory.holds(a.data, new Float32Array(7)));
  assert.throws(() => memory.sgd(b.data, new Float32Array(7), b.data, 1, 0.9, 0.01, 0), /operands must live in this memory/);
  assert.throws(() => memory.alloc([memory.bytes]), /parameter memory: no room for \d+ floats/);
});

test('a memory larger than wasm32 can address is not made (the callers keep ordinary arrays)', () => {
  const floats = [...paramShapes(spec).values()].reduce((s, shape) => s + shape.reduce((a, b) => a * b, 1), 0);
  assert.equal(ParamMemory.forSpec(spec, Math.ceil(2 ** 32 / (4 * floats)) + 1), null);
});

for (const clipGrad of [undefined, 0.5]) {
  test(`SGD in the memory (SIMD) equals the JavaScript update over 3 steps, Caffe multipliers${clipGrad ? ', gradient clipped' : ''}`, () => {
    const cfg: OptimizerConfig = { ...DEFAULT_OPTIMIZER_CONFIG, kind: 'sgd', momentum: 0.9, weightDecay: 0.005, clipGrad };
    const memory = ParamMemory.forSpec(spec, 3)!;
    const inMemory = initParams(spec, { seed: 4, alloc: (s) => memory.alloc(s) });
    const plain = initParams(spec, { seed: 4 });
    const simd = createOptimizer(cfg, caffeParamRules(spec), { memory });
    const js = createOptimizer(cfg, caffeParamRules(spec));
    const grads = fakeGrads(plain, 7, (s) => memory.alloc(s));
    const gradsPlain = new Map([...grads].map(([k, g]) => [k, new Tensor(g.shape, Float32Array.from(g.data))]));
    for (let it = 0; it < 3; it++) {
      const n1 = simd.step(inMemory, grads, 0.01 * (it + 1));
      const n2 = js.step(plain, gradsPlain, 0.01 * (it + 1));
      assert.ok(Math.abs(n1 - n2) <= 1e-9 * n2, `norms ${n1} vs ${n2}`);
    }
    for (const [k, t] of plain) assertClose(inMemory.get(k)!.data, t.data, k);
    const m1 = simd.save().tensors;
    for (const [k, t] of js.save().tensors) {
      assert.ok(memory.holds(m1.get(k)!.data), `${k} lives in the memory`);
      assertClose(m1.get(k)!.data, t.data, k);
    }
    // load() puts a saved state into the memory too, so the next steps stay on the SIMD path.
    const memory2 = ParamMemory.forSpec(spec, 3)!;
    const resumed = createOptimizer(cfg, caffeParamRules(spec), { memory: memory2 });
    const params2 = memory2.adopt(inMemory);
    resumed.load(simd.save(), params2);
    for (const t of resumed.save().tensors.values()) assert.ok(memory2.holds(t.data));
  });
}
