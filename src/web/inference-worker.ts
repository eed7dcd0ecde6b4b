/**
 * The inference worker: runs the net off the page's main thread, on onnxruntime-web (its wasm build,
 * SIMD + threads when the page is cross-origin isolated; or its WebGPU build when asked for and the
 * browser has an adapter) or on our own WebAssembly kernels (the same src/runtime/wasm-backend.ts Node
 * runs, with a Web Worker thread pool). Weights: an .onnx (c3d export-onnx) or one of our .safetensors
 * checkpoints, whose ONNX graph is built here from its spec (src/io/onnx-model.ts, as Node's export).
 * Protocol: ./protocol.ts.
 */
import * as ort from 'onnxruntime-web/wasm';
import { buildOnnxModel } from '../io/onnx-model.js';
import { createFastKernels } from '../kernels/fast/index.js';
import type { FastKernels } from '../kernels/fast/fast-kernels.js';
import type { NetSpec } from '../models/spec.js';
import { createWasmBackend } from '../runtime/wasm-backend.js';
import type { Backend } from '../runtime/backend.js';
import { Tensor } from '../tensor/tensor.js';
import { onnxParams, readOnnxNet } from './onnx-net.js';
import type { LoadRequest, NetInfo, OutputBlob, RunRequest, WorkerReply, WorkerRequest } from './protocol.js';
import { isSafetensorsFile, pageOutputs, readSafetensorsNet } from './safetensors-net.js';
import { createWebThreadPool } from './web-thread-pool.js';
import { workerScope } from './worker-scope.js';
import { ONNX_META } from '../io/onnx-meta.js';

/** The loaded net: runs N clips, returns the requested outputs. */
interface Runner {
  run(clips: Float32Array, count: number, outputs: string[]): Promise<Record<string, OutputBlob>>;
  dispose(): Promise<void>;
}

/** A weights file, whichever its format: what the page is told, and each backend's input. */
interface WeightsFile {
  info: Omit<NetInfo, 'backend' | 'threads'>;
  spec?: NetSpec;
  /** Parameters by our names (for our kernels). */
  params(): Map<string, Tensor>;
  /** The ONNX model (for onnxruntime-web). */
  onnx(): Uint8Array;
}

let runner: Runner | undefined;

function reply(msg: WorkerReply, transfer: Transferable[] = []): void {
  workerScope.postMessage(msg, transfer);
}

function readWeightsFile(bytes: Uint8Array, source: string): WeightsFile {
  if (isSafetensorsFile(source, bytes)) {
    const net = readSafetensorsNet(bytes, source);
    const outputs = pageOutputs(net.spec);
    const cube = net.meanCube;
    return {
      info: {
        name: net.spec.name,
        input: net.spec.input as NetInfo['input'],
        outputs,
        conventionJson: net.conventionJson,
        classes: net.classes,
        meanCube: cube ? { shape: [...cube.shape], data: cube.data } : undefined,
      },
      spec: net.spec,
      params: () => net.params,
      onnx: () => buildOnnxModel(net.spec, net.params, { outputs }),
    };
  }
  const net = readOnnxNet(bytes, source);
  let classes: string[] | undefined;
  const classJson = net.metadata.get(ONNX_META.classes);
  if (classJson) classes = JSON.parse(classJson) as string[];
  return {
    info: {
      name: net.spec?.name ?? net.model.graph?.name ?? source,
      input: net.input,
      outputs: net.outputs,
      conventionJson: net.metadata.get(ONNX_META.input),
      classes,
    },
    spec: net.spec,
    params: () => onnxParams(net, source),
    onnx: () => bytes,
  };
}

/** Our kernels on the file's spec and parameters. */
async function kernelsRunner(file: WeightsFile, source: string, threads: number, input: number[]): Promise<{ runner: Runner; outputNames: readonly string[] }> {
  if (!file.spec) throw new Error(`${source}: our wasm kernels need the net's spec (metadata c3d.spec_json, written by c3d export-onnx); use backend=onnxruntime`);
  const params = file.params();
  const kernels: FastKernels = await createFastKernels({ threads, pool: createWebThreadPool });
  let backend: Backend;
  try {
    backend = await createWasmBackend(file.spec, params, { kernels });
  } catch (e) {
    await kernels.dispose();
    throw new Error(`${source}: ${(e as Error).message}`);
  }
  const runner: Runner = {
    async run(clips, count, outputs) {
      const blobs = await backend.run(new Tensor([count, ...input], clips), outputs);
      return Object.fromEntries([...blobs].map(([k, t]) => [k, { shape: [...t.shape], data: t.data }]));
    },
    async dispose() {
      await backend.dispose();
      await kernels.dispose();
    },
  };
  return { runner, outputNames: backend.outputNames };
}

/** The little of onnxruntime-web's API both of its builds (wasm, webgpu) share here. */
type Ort = Pick<typeof ort, 'env' | 'InferenceSession' | 'Tensor'>;

/** onnxruntime-web on `provider` (the build that has it: wasm, or webgpu loaded on demand). */
async function ortRunner(o: Ort, provider: 'wasm' | 'webgpu', model: Uint8Array, source: string, threads: number, ortBase: string, input: number[]): Promise<Runner> {
  o.env.wasm.wasmPaths = ortBase;
  o.env.wasm.numThreads = threads;
  let session: ort.InferenceSession;
  try {
    session = await o.InferenceSession.create(model, { executionProviders: [provider], graphOptimizationLevel: 'all' });
  } catch (e) {
    throw new Error(`${source}: onnxruntime-web (${provider}) cannot load it (${String((e as Error).message ?? e).split('\n')[0]})`);
  }
  const inputName = session.inputNames[0]!;
  return {
    async run(clips, count, outputs) {
      const result = await session.run({ [inputName]: new o.Tensor('float32', clips, [count, ...input]) }, outputs);
      const out: Record<string, OutputBlob> = {};
      for (const name of outputs) {
        const t = result[name]!;
        // WebGPU outputs may live on the GPU: getData() downloads them (a no-op copy for CPU tensors).
        out[name] = { shape: t.dims.map(Number), data: (await t.getData()) as Float32Array };
      }
      return out;
    },
    async dispose() {
      await session.release();
    },
  };
}

/** Whether this browser offers a WebGPU adapter (navigator.gpu exists in workers too). */
async function webgpuAdapter(): Promise<string | undefined> {
  const gpu = (navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return 'this browser has no WebGPU (navigator.gpu)';
  try {
    return (await gpu.requestAdapter()) ? undefined : 'WebGPU has no adapter here';
  } catch (e) {
    return `WebGPU adapter request failed (${(e as Error).message})`;
  }
}

async function load(req: LoadRequest): Promise<NetInfo> {
  await runner?.dispose();
  runner = undefined;
  const bytes = new Uint8Array(req.model);
  const file = readWeightsFile(bytes, req.source);
  const threads = req.threads ?? navigator.hardwareConcurrency ?? 1;
  if (!Number.isSafeInteger(threads) || threads < 1) throw new Error(`threads must be a positive integer, got ${threads}`);
  const info: NetInfo = { ...file.info, backend: req.backend, threads };
  if (req.backend === 'wasm') {
    const k = await kernelsRunner(file, req.source, threads, info.input);
    info.outputs = info.outputs.filter((o) => k.outputNames.includes(o));
    runner = k.runner;
    return info;
  }
  const model = file.onnx();
  if (req.backend === 'webgpu') {
    let why = await webgpuAdapter();
    if (!why) {
      try {
        const gpuOrt = await import('onnxruntime-web/webgpu');
        runner = await ortRunner(gpuOrt, 'webgpu', model, req.source, threads, req.ortBase, info.input);
        return info;
      } catch (e) {
        why = (e as Error).message;
      }
    }
    info.backend = 'onnxruntime';
    info.note = `WebGPU not used: ${why}; running onnxruntime-web on wasm`;
  }
  runner = await ortRunner(ort, 'wasm', model, req.source, threads, req.ortBase, info.input);
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
