/** Messages between the page (main thread) and the inference worker (src/web/inference-worker.ts). */

/** Which runtime runs the net: onnxruntime-web (wasm) or our own WebAssembly kernels (src/kernels/fast). */
export type WebBackendName = 'onnxruntime' | 'wasm';

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
  backend: WebBackendName;
  /** Compute threads the backend runs. */
  threads: number;
}

export interface LoadRequest {
  type: 'load';
  backend: WebBackendName;
  /** The .onnx file's bytes (transferred). */
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
