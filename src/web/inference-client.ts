/** The page's side of the inference worker: load a net, run batches of clips (promises over postMessage). */
import type { NetInfo, OutputBlob, WebBackendName, WorkerReply } from './protocol.js';

export class InferenceClient {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly runs = new Map<number, { resolve(o: Record<string, OutputBlob>): void; reject(e: Error): void }>();
  private loading: { resolve(i: NetInfo): void; reject(e: Error): void } | undefined;

  constructor() {
    this.worker = new Worker(new URL('./inference-worker.js', import.meta.url), { type: 'module' });
    this.worker.onmessage = (e: MessageEvent<WorkerReply>) => this.onReply(e.data);
    this.worker.onerror = (e) => this.failAll(new Error(`inference worker failed: ${e.message}`));
  }

  /** Loads an .onnx model (its bytes are transferred to the worker). */
  load(model: ArrayBuffer, source: string, backend: WebBackendName, threads?: number): Promise<NetInfo> {
    return new Promise((resolve, reject) => {
      this.loading = { resolve, reject };
      const ortBase = new URL('./', location.href).href;
      this.worker.postMessage({ type: 'load', backend, model, source, threads, ortBase }, [model]);
    });
  }

  /** Runs `count` clips (N×C×L×H×W, transferred) and resolves with the requested outputs. */
  run(clips: Float32Array, count: number, outputs: string[]): Promise<Record<string, OutputBlob>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.runs.set(id, { resolve, reject });
      this.worker.postMessage({ type: 'run', id, clips, count, outputs }, [clips.buffer]);
    });
  }

  terminate(): void {
    this.worker.terminate();
    this.failAll(new Error('inference worker stopped'));
  }

  private onReply(m: WorkerReply): void {
    if (m.type === 'loaded') {
      this.loading?.resolve(m.info);
      this.loading = undefined;
    } else if (m.type === 'result') {
      this.runs.get(m.id)?.resolve(m.outputs);
      this.runs.delete(m.id);
    } else if (m.id !== undefined) {
      this.runs.get(m.id)?.reject(new Error(m.message));
      this.runs.delete(m.id);
    } else {
      this.loading?.reject(new Error(m.message));
      this.loading = undefined;
    }
  }

  private failAll(e: Error): void {
    this.loading?.reject(e);
    this.loading = undefined;
    for (const r of this.runs.values()) r.reject(e);
    this.runs.clear();
  }
}
