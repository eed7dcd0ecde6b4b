/** Messages between the page (main thread) and the inference worker (src/web/inference-worker.ts). */

/**
 * Which runtime runs the net: onnxruntime-web on wasm (`onnxruntime`), onnxruntime-web on WebGPU
 * (`webgpu`, falling back to `onnxruntime` with a note when the browser has no adapter or the session
 * fails), or our own WebAssembly kernels (`wasm`, src/kernels/fast).
 */
export type WebBackendName = 'onnxruntime' | 'webgpu' | 'wasm';

export const WEB_BACKENDS: readonly WebBackendName[] = ['onnxruntime', 'webgpu', 'wasm'];

/** What the page needs to know about a loaded net (all plain data: it crosses postMessage). */
export interface NetInfo {
  /** The net's name (the spec's, or the file's). */
  name: string;
  /** Clip shape C×L×H×W. */
  input: [number, number, number, number];
  /** Blobs the net can output (the ONNX graph's outputs). */
  outputs: string[];
  /** The input convention the file records (c3d.input metadata, JSON as conventionToJSON writes it). */
  conventionJson?: string;
  /** Class names the file records (c3d.classes metadata). */
  classes?: string[];
  /** The backend that runs it (`onnxruntime` when `webgpu` was asked for and fell back). */
  backend: WebBackendName;
  /** Why the backend differs from the one asked for (shown in the page). */
  note?: string;
  /** The convention's embedded mean cube (a .safetensors checkpoint's input.mean_cube). */
  meanCube?: { shape: number[]; data: Float32Array };
  /** Compute threads the backend runs. */
  threads: number;
}

export interface LoadRequest {
  type: 'load';
  backend: WebBackendName;
  /** The .onnx or .safetensors file's bytes (transferred). */
  model: ArrayBuffer;
  /** Where the bytes came from, for error messages. */
  source: string;
  /** Compute threads (default: navigator.hardwareConcurrency). */
  threads?: number;
  /** Folder URL of onnxruntime-web's .mjs/.wasm files (the page's own folder). */
  ortBase: string;
}

export interface RunRequest {
  type: 'run';
  id: number;
  /** N×C×L×H×W clips, row-major (transferred). */
  clips: Float32Array;
  count: number;
  outputs: string[];
}

export type WorkerRequest = LoadRequest | RunRequest;

/** One output blob of a run: N × dim, row-major. */
export interface OutputBlob {
  shape: number[];
  data: Float32Array;
}

export type WorkerReply =
  | { type: 'loaded'; info: NetInfo }
  | { type: 'result'; id: number; outputs: Record<string, OutputBlob> }
  | { type: 'error'; id?: number; message: string };
