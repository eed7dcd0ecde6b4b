/**
 * The decode worker threads (decode-worker.ts), shared by every pipeline of the process and kept
 * between them: starting one forks an ffmpeg relay (src/video/spawner.ts), and a fork costs the
 * process holding the net about one extra forward pass (see spawner.ts), so that happens once per
 * worker, not once per `extract()` call. Idle workers do not keep the process alive.
 *
 * `startDecoders(n)` starts them ahead of time, e.g. before the net is loaded, when forking is cheap.
 */
import { Worker } from 'node:worker_threads';
import type { DecodeWorkerData } from './decode-worker.js';

/** One decode worker; `onMessage` / `onCrash` belong to the pipeline that holds it. */
export interface DecoderHandle {
  readonly worker: Worker;
  onMessage?: (m: unknown) => void;
  onCrash?: (e: Error) => void;
  /** Resolves once its relay runs. */
  readonly ready: Promise<void>;
}

const idle: DecoderHandle[] = [];

function removeIdle(h: DecoderHandle): void {
  const at = idle.indexOf(h);
  if (at >= 0) idle.splice(at, 1);
}

function spawnDecoder(): DecoderHandle {
  const workerData: DecodeWorkerData = { nice: Number(process.env.C3D_DECODE_NICE ?? 0) };
  const worker = new Worker(new URL('./decode-worker.js', import.meta.url), { workerData });
  let readyResolve!: () => void;
  const h: DecoderHandle = { worker, ready: new Promise<void>((r) => (readyResolve = r)) };
  worker.on('message', (m: { type?: string }) => {
    if (m.type === 'ready') readyResolve();
    else h.onMessage?.(m);
  });
  const crashed = (e: Error): void => {
    readyResolve();
    removeIdle(h);
    h.onCrash?.(e);
  };
  worker.on('error', crashed);
  worker.on('exit', (code) => crashed(new Error(`decode worker exited (code ${code})`)));
  return h;
}

/** An idle decoder (a new one if none is idle), taken out of the pool and keeping the process alive. */
export function acquireDecoder(): DecoderHandle {
  const h = idle.pop() ?? spawnDecoder();
  h.worker.ref();
  return h;
}

/** Hands a decoder back after its video ended normally. */
export function releaseDecoder(h: DecoderHandle): void {
  h.onMessage = undefined;
  h.onCrash = undefined;
  h.worker.unref();
  idle.push(h);
}

/** Ends a decoder that may be mid-video (the pipeline failed) or crashed. */
export async function discardDecoder(h: DecoderHandle): Promise<void> {
  h.onMessage = undefined;
  h.onCrash = undefined;
  removeIdle(h);
  await h.worker.terminate();
}

/**
 * Starts decode workers until `n` are idle and waits until they run: call it before loading the net
 * to keep the forks cheap (optional: pipelines start workers on demand).
 */
export async function startDecoders(n = 2): Promise<void> {
  const started: DecoderHandle[] = [];
  while (idle.length < n) {
    const h = spawnDecoder();
    idle.push(h);
    started.push(h);
  }
  // Referenced until they run (an unreferenced worker would let the process exit while we wait).
  await Promise.all(idle.map((h) => h.ready));
  for (const h of started) if (idle.includes(h)) h.worker.unref(); // not acquired meanwhile
}
