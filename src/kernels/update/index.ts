// The optimizer's update as WebAssembly SIMD (AssemblyScript, compiled by tools/build-wasm.mjs into a
// module of its own over a NON-shared memory: onnxruntime-node takes views of ordinary ArrayBuffers as
// its inputs and outputs, so the weights, gradients and momentum it shares with this update live there).
// The update is bound by memory traffic (three arrays read, two written); 4-wide loads and stores run
// it ≈ 3× faster than the scalar JavaScript loop (C3D: 0.14 → 0.04 s on one core).

/**
 * Caffe's SGD with the lr inside the history, in float32: v ← m·v + lr·(s·g + wd·w); w ← w − v.
 * w, g, v: byte offsets of n floats each (16-byte aligned).
 */
export function sgd(w: usize, g: usize, v: usize, n: i32, scale: f32, momentum: f32, lr: f32, wd: f32): void {
  const s4 = f32x4.splat(scale);
  const m4 = f32x4.splat(momentum);
  const lr4 = f32x4.splat(lr);
  const wd4 = f32x4.splat(wd);
  const n4 = n & ~3;
  let i: i32 = 0;
  for (; i < n4; i += 4) {
    const off = (<usize>i) << 2;
    const wi = v128.load(w + off);
    const gi = f32x4.add(f32x4.mul(s4, v128.load(g + off)), f32x4.mul(wd4, wi));
    const vi = f32x4.add(f32x4.mul(m4, v128.load(v + off)), f32x4.mul(lr4, gi));
    v128.store(v + off, vi);
    v128.store(w + off, f32x4.sub(wi, vi));
  }
  for (; i < n; i++) {
    const off = (<usize>i) << 2;
    const wi = load<f32>(w + off);
    const vi = momentum * load<f32>(v + off) + lr * (scale * load<f32>(g + off) + wd * wi);
    store<f32>(v + off, vi);
    store<f32>(w + off, wi - vi);
  }
}
