/**
 * Worker thread that turns one video at a time into preprocessed clips (decode → resize → crop →
 * mean/channels → C×L×H×W floats) and posts them to the main thread. It runs off the main thread
 * because onnxruntime-node's `run` blocks the main thread for the whole forward pass: decoding there
 * could not overlap the net. Flow control by credits: at most `window` clips of the current video are
 * in flight; the main thread returns a credit per clip it has put into a batch.
 *
 * Protocol — in: {type:'video', seq, path, decode, window, job} | {type:'credit', seq, n};
 * out: {type:'ready'} (once, relay started) | {type:'start', seq, estimatedFrames} | {type:'clip', seq, index, data, frames} |
 *      {type:'end', seq, frames, clips, report} | {type:'error', seq, message, frames}.
 * `report` is the DecodeReport (declared frames, ffmpeg's errors) checked by decode-check.ts.
 * `frames` counts frames decoded since the previous message.
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { openVideo, type DecodeOptions } from '../video/decode.js';
import { SpawnRelay } from '../video/spawner.js';
import { ClipAssembler, type ClipOptions } from './clips.js';
import { DecodeGate } from './decode-gate.js';
import type { DecodeReport } from './decode-check.js';
import type { PixelConvention } from './convention.js';
import { clipToInput, FramePreparer, type FrameGeometry } from './preprocess.js';

export interface DecodeWorkerData {
  /** Niceness of the decode thread (0 = unchanged). */
  nice?: number;
}

/** What to do with each video (sent with it: one worker serves pipelines of any settings). */
export interface DecodeJob {
  clips: ClipOptions;
  geometry: FrameGeometry;
  convention: PixelConvention;
  /** A DecodeGate's buffer: when given, decoding waits while the net runs (see decode-gate.ts). */
  gate?: SharedArrayBuffer;
}

type InMessage =
  | { type: 'video'; seq: number; path: string; decode?: DecodeOptions; window: number; job: DecodeJob }
  | { type: 'credit'; seq: number; n: number };

const port = parentPort!;
const cfg = workerData as DecodeWorkerData;
if (cfg.nice) {
  // Linux nice values are per thread: this lowers only this worker (and the ffmpeg it spawns), so the
  // net's threads win the CPU when both want it; decoding needs only a few percent of a core.
  try {
    setPriority(cfg.nice);
  } catch {
    // Not permitted or not supported: run at normal priority.
  }
}
// ffmpegs are started through a relay process forked once, now, not once per video (spawner.ts).
const relay = new SpawnRelay(new URL('../video/spawn-relay-child.js', import.meta.url).pathname);
port.postMessage({ type: 'ready' });
let current = -1;
let credits = 0;
let wake: (() => void) | undefined;

port.on('message', (m: InMessage) => {
  if (m.type === 'credit') {
    if (m.seq !== current) return;
    credits += m.n;
    wake?.();
  } else {
    void runVideo(m);
  }
});

async function waitForCredit(): Promise<void> {
  while (credits <= 0) await new Promise<void>((r) => (wake = r));
  wake = undefined;
  credits--;
}

async function runVideo(m: Extract<InMessage, { type: 'video' }>): Promise<void> {
  current = m.seq;
  credits = m.window;
  const { clips, geometry, convention } = m.job;
  const gate = m.job.gate ? new DecodeGate(m.job.gate) : undefined;
  const clipSize = 3 * clips.clipLength * geometry.cropSize * geometry.cropSize;
  const prep = new FramePreparer(geometry);
  const assembler = new ClipAssembler<Uint8Array>(clips);
  let pending = 0;
  let index = 0;
  const send = async (clip: Uint8Array[]): Promise<void> => {
    await waitForCredit();
    const data = new Float32Array(clipSize);
    clipToInput(clip, convention, data, 0, geometry);
    port.postMessage({ type: 'clip', seq: m.seq, index: index++, data, frames: pending }, [data.buffer]);
    pending = 0;
  };
  let reader;
  try {
    await gate?.pass();
    reader = await openVideo(m.path, m.decode, relay.spawner);
    port.postMessage({ type: 'start', seq: m.seq, estimatedFrames: reader.info.estimatedFrames });
    for await (const frame of reader) {
      await gate?.pass();
      pending++;
      for (const clip of assembler.push(prep.prepare(frame))) await send(clip);
    }
    for (const clip of assembler.finish()) await send(clip);
    const report: DecodeReport = { declaredFrames: reader.info.declaredFrames, errors: reader.errors };
    port.postMessage({ type: 'end', seq: m.seq, frames: pending, clips: index, report });
  } catch (err) {
    const message = (err as Error).message === 'video has no frames' ? `${m.path}: no video frames decoded` : (err as Error).message;
    port.postMessage({ type: 'error', seq: m.seq, message, frames: pending });
  } finally {
    reader?.close();
  }
}
