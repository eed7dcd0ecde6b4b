/** Softmax cross-entropy (Caffe's SoftmaxWithLoss), averaged over the batch. */
import { Tensor } from '../../tensor/tensor.js';
import { checkLabels, checkTensor } from './validate.js';
import { logSumExp } from './activations.js';

/**
 * loss = (1/N) Σ_n [logsumexp(z_n) − z_n[label_n]]; grad = (softmax(z) − onehot(label)) / N.
 * Computed in float64 with the row max subtracted, so large logits neither overflow nor lose the
 * loss to rounding.
 */
export function softmaxCrossEntropy(logits: Tensor, labels: Int32Array): { loss: number; grad: Tensor } {
  const op = 'softmaxCrossEntropy';
  const shape = checkTensor(op, logits, 'logits', 2);
  const [N, K] = shape;
  checkLabels(op, labels, N, K, shape);
  const grad = new Tensor([N, K]);
  let total = 0;
  for (let n = 0; n < N; n++) {
    const row = logits.data.subarray(n * K, (n + 1) * K);
    const logSum = logSumExp(row);
    total += logSum - row[labels[n]];
    for (let k = 0; k < K; k++) {
      const p = Math.exp(row[k] - logSum);
      grad.data[n * K + k] = (p - (k === labels[n] ? 1 : 0)) / N;
    }
  }
  return { loss: total / N, grad };
}
