/**
 * TEST DOUBLE (tests only): a deterministic stand-in for the C3D net, to check batching, ordering and
 * outputs of the pipeline without weights. Per clip it returns
 *   fc6  = [mean of channel 0, mean of channel 1, mean of channel 2, first value of the clip]
 *   prob = softmax over the 3 channel means.
 * It records the batch sizes it was given.
 */
import type { Backend } from '../../src/runtime/backend.js';
import { Tensor } from '../../src/tensor/tensor.js';

export class ChannelMeanBackend implements Backend {
  readonly name = 'wasm' as const;
  readonly outputNames = ['fc6', 'prob'] as const;
  readonly inputShape: readonly [number, number, number, number];
  readonly batches: number[] = [];

  constructor(clipLength = 16, crop = 112, private readonly delayMs = 0) {
    this.inputShape = [3, clipLength, crop, crop];
  }

  async run(clips: Tensor, outputs: readonly string[]): Promise<Map<string, Tensor>> {
    const [n, c] = clips.shape;
    this.batches.push(n);
    const per = clips.size / n;
    const plane = per / c;
    const fc6 = new Tensor([n, 4]);
    const prob = new Tensor([n, 3]);
    for (let i = 0; i < n; i++) {
      const means: number[] = [];
      for (let ch = 0; ch < 3; ch++) {
        let s = 0;
        const base = i * per + ch * plane;
        for (let j = 0; j < plane; j++) s += clips.data[base + j];
        means.push(s / plane);
        fc6.data[i * 4 + ch] = s / plane;
      }
      fc6.data[i * 4 + 3] = clips.data[i * per];
      const m = Math.max(...means);
      const e = means.map((v) => Math.exp((v - m) / 50));
      const z = e.reduce((a, b) => a + b, 0);
      e.forEach((v, k) => (prob.data[i * 3 + k] = v / z));
    }
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    const all = new Map([['fc6', fc6], ['prob', prob]]);
    return new Map(outputs.map((o) => [o, all.get(o)!]));
  }

  async dispose(): Promise<void> {}
}
