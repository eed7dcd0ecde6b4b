/**
 * The `onnxruntime` backend: the spec + weights exported to ONNX in memory (src/io/onnx-export.ts)
 * and run by onnxruntime-node's native CPU kernels (or any execution provider the caller names).
 */
import type * as Ort from 'onnxruntime-node';
import { Tensor } from '../tensor/tensor.js';
import type { NetSpec } from '../models/spec.js';
import { blobNames } from '../models/shapes.js';
import { buildOnnxModelWithExternalData } from '../io/onnx-export.js';
import { availableParallelism } from 'node:os';
import type { Backend, Precision } from './backend.js';
import { checkClips, checkOutputs } from './clips.js';
import { createOrtSession, loadOnnxRuntime, type ExecutionProviders } from './ort.js';

export interface OnnxRuntimeOptions {
  /** Passed to onnxruntime as is, e.g. ['cpu'] or [{ name: 'cuda', deviceId: 0 }]. Default ['cpu']. */
  executionProviders?: ExecutionProviders;
  /**
   * intraOpNumThreads. Default: every core Node sees (`os.availableParallelism()`); onnxruntime-node's own
   * default ran C3D on one thread of this 2-core VM (measured: 1.97 vs 3.6 clips/s).
   */
  threads?: number;
  /** Blobs to expose (default: every blob of the spec). */
  outputs?: readonly string[];
  /**
   * A ready ONNX model of `spec` to run instead of exporting `params` (an int8 model from src/quant,
   * with every blob of `outputs` as a graph output); `precision` says what it computes in.
   */
  model?: { bytes: Uint8Array; precision: Precision };
}

export async function createOnnxRuntimeBackend(
  spec: NetSpec,
  params: ReadonlyMap<string, Tensor>,
  opts: OnnxRuntimeOptions = {},
): Promise<Backend> {
  const ort = await loadOnnxRuntime();
  const outputNames = [...(opts.outputs ?? blobNames(spec))];
  const options: Ort.InferenceSession.SessionOptions = {
    executionProviders: opts.executionProviders ?? ['cpu'],
    graphOptimizationLevel: 'all',
  };
  const threads = opts.threads ?? availableParallelism();
  if (!Number.isSafeInteger(threads) || threads < 1) throw new Error(`onnxruntime backend: threads must be a positive integer, got ${threads}`);
  options.intraOpNumThreads = threads;
  let bytes: Uint8Array;
  if (opts.model) {
    bytes = opts.model.bytes;
  } else {
    // The weights go in as in-memory external data (views of the caller's tensors), so the model
    // protobuf holds only the graph: session creation needs no extra 320 MB copy of C3D's weights.
    const model = buildOnnxModelWithExternalData(spec, params, { outputs: outputNames });
    options.externalData = model.externalData;
    bytes = model.bytes;
  }
  const precision = opts.model?.precision ?? 'fp32';
  let session: Ort.InferenceSession | null = await createOrtSession(ort, bytes, options, `the onnxruntime session of ${spec.name}${precision === 'int8' ? ' (int8)' : ''}`);
  const [c, l, h, w] = spec.input;
  return {
    name: 'onnxruntime',
    outputNames,
    inputShape: [c, l, h, w],
    precision,
    threads: (opts.executionProviders ?? ['cpu']).every((ep) => (typeof ep === 'string' ? ep : ep.name) === 'cpu') ? threads : undefined,
    async run(clips, outputs) {
      if (!session) throw new Error('onnxruntime backend: used after dispose()');
      checkClips(spec, clips);
      checkOutputs(spec, outputNames, outputs);
      const feeds = { data: new ort.Tensor('float32', clips.data, [...clips.shape]) };
      const result = await session.run(feeds, [...outputs]);
      const blobs = new Map<string, Tensor>();
      for (const o of outputs) {
        const t = result[o]!;
        blobs.set(o, new Tensor(t.dims.map(Number), t.data as Float32Array));
      }
      return blobs;
    },
    async dispose() {
      const s = session;
      session = null;
      await s?.release();
    },
  };
}
