/**
 * The inference worker: runs the net off the page's main thread, on onnxruntime-web (its wasm build,
 * SIMD + threads when the page is cross-origin isolated) or on our own WebAssembly kernels (the same
 * src/runtime/wasm-backend.ts Node runs, with a Web Worker thread pool). Protocol: ./protocol.ts.
 */
import * as ort from 'onnxruntime-web/wasm';
import { createFastKernels } from '../kernels/fast/index.js';
import type { FastKernels } from '../kernels/fast/fast-kernels.js';
import { createWasmBackend } from '../runtime/wasm-backend.js';
import type { Backend } from '../runtime/backend.js';
import { Tensor } from '../tensor/tensor.js';
import { onnxParams, readOnnxNet } from './onnx-net.js';
import type { LoadRequest, NetInfo, OutputBlob, RunRequest, WorkerReply, WorkerRequest } from './protocol.js';
import { createWebThreadPool } from './web-thread-pool.js';
import { workerScope } from './worker-scope.js';
import { ONNX_WEB_META } from './web-meta.js';

/** The loaded net: runs N clips, returns the requested outputs. */
interface Runner {
  run(clips: Float32Array, count: number, outputs: string[]): Promise<Record<string, OutputBlob>>;
  dispose(): Promise<void>;
}

let runner: Runner | undefined;

function reply(msg: WorkerReply, transfer: Transferable[] = []): void {
  workerScope.postMessage(msg, transfer);
}

async function load(req: LoadRequest): Promise<NetInfo> {
  await runner?.dispose();
  runner = undefined;
  const bytes = new Uint8Array(req.model);
  const net = readOnnxNet(bytes, req.source);
  const threads = req.threads ?? navigator.hardwareConcurrency ?? 1;
  if (!Number.isSafeInteger(threads) || threads < 1) throw new Error(`threads must be a positive integer, got ${threads}`);
  let classes: string[] | undefined;
  const classJson = net.metadata.get(ONNX_WEB_META.classes);
  if (classJson) classes = JSON.parse(classJson) as string[];
  const info: NetInfo = {
    name: net.spec?.name ?? net.model.graph?.name ?? req.source,
    input: net.input,
    outputs: net.outputs,
    conventionJson: net.metadata.get(ONNX_WEB_META.input),
    classes,
    backend: req.backend,
    threads,
  };
  if (req.backend === 'wasm') {
    if (!net.spec) throw new Error(`${req.source}: our wasm kernels need the net's spec (metadata c3d.spec_json, written by c3d export-onnx); use backend=onnxruntime`);
    const params = onnxParams(net, req.source);
    const kernels: FastKernels = await createFastKernels({ threads, pool: createWebThreadPool });
    let backend: Backend;
    try {
      backend = await createWasmBackend(net.spec, params, { kernels });
    } catch (e) {
      await kernels.dispose();
      throw new Error(`${req.source}: ${(e as Error).message}`);
    }
    info.outputs = info.outputs.filter((o) => backend.outputNames.includes(o));
    runner = {
      async run(clips, count, outputs) {
        const blobs = await backend.run(new Tensor([count, ...net.input], clips), outputs);
        return Object.fromEntries([...blobs].map(([k, t]) => [k, { shape: [...t.shape], data: t.data }]));
      },
      async dispose() {
        await backend.dispose();
        await kernels.dispose();
      },
    };
    return info;
  }
  ort.env.wasm.wasmPaths = req.ortBase;
  ort.env.wasm.numThreads = threads;
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  } catch (e) {
    throw new Error(`${req.source}: onnxruntime-web cannot load it (${String((e as Error).message ?? e).split('\n')[0]})`);
  }
  const inputName = session.inputNames[0]!;
  runner = {
    async run(clips, count, outputs) {
      const result = await session.run({ [inputName]: new ort.Tensor('float32', clips, [count, ...net.input]) }, outputs);
      const out: Record<string, OutputBlob> = {};
      for (const o of outputs) {
        const t = result[o]!;
        out[o] = { shape: t.dims.map(Number), data: t.data as Float32Array };
      }
      return out;
    },
    async dispose() {
      await session.release();
    },
  };
  return info;
}

async function run(req: RunRequest): Promise<void> {
  if (!runner) throw new Error('no net loaded');
  const outputs = await runner.run(req.clips, req.count, req.outputs);
  reply({ type: 'result', id: req.id, outputs }, Object.values(outputs).map((o) => o.data.buffer as ArrayBuffer));
}

// Requests are handled one at a time, in order: a run never overlaps a load.
let queue: Promise<void> = Promise.resolve();
workerScope.addEventListener('message', (e) => {
  const req = e.data as WorkerRequest;
  queue = queue.then(async () => {
    try {
      if (req.type === 'load') reply({ type: 'loaded', info: await load(req) });
      else await run(req);
    } catch (err) {
      reply({ type: 'error', id: req.type === 'run' ? req.id : undefined, message: err instanceof Error ? err.message : String(err) });
    }
  });
});
