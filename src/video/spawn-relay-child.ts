/**
 * The ffmpeg relay process (see spawner.ts): a small Node process that spawns ffmpegs on request,
 * one at a time, and forwards their stdout / stderr / exit status as records on its own stdout.
 * Being small, it forks cheaply; the process that holds the net never forks per video.
 * It exits when its stdin closes, killing a running ffmpeg.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { RECORD_EXIT, RECORD_HEADER, RECORD_STDERR, RECORD_STDOUT, type RelayExit } from './spawner.js';

type Request = { type: 'run'; id: number; bin: string; args: string[] } | { type: 'kill'; id: number };

const queue: Extract<Request, { type: 'run' }>[] = [];
/** Queued requests killed before they started: answered in turn, so exits stay in request order. */
const cancelled = new Set<number>();
let running: { id: number; proc: ChildProcess } | undefined;
let stdinClosed = false;

function record(kind: number, payload: Buffer): boolean {
  const head = Buffer.alloc(RECORD_HEADER);
  head[0] = kind;
  head.writeUInt32LE(payload.length, 1);
  process.stdout.write(head);
  return process.stdout.write(payload);
}

function exit(info: RelayExit): void {
  record(RECORD_EXIT, Buffer.from(JSON.stringify(info)));
}

function startNext(): void {
  if (running) return;
  const req = queue.shift();
  if (!req) {
    if (stdinClosed) process.exit(0);
    return;
  }
  if (cancelled.delete(req.id)) {
    exit({ code: null });
    startNext();
    return;
  }
  let proc: ChildProcess;
  try {
    proc = spawn(req.bin, req.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    exit({ code: null, error: (err as Error).message });
    startNext();
    return;
  }
  running = { id: req.id, proc };
  let spawnError: NodeJS.ErrnoException | undefined;
  let ended = false;
  const end = (code: number | null): void => {
    if (ended) return;
    ended = true;
    exit(spawnError ? { code: null, error: spawnError.message, errno: spawnError.code } : { code });
    running = undefined;
    startNext();
  };
  proc.on('error', (err: NodeJS.ErrnoException) => {
    spawnError = err;
    if (proc.pid === undefined) end(null); // never started: no 'close' to wait for
  });
  // Forward with backpressure: a full stdout pipe pauses ffmpeg's output (ffmpeg then blocks).
  const forward = (kind: number, stream: NodeJS.ReadableStream) =>
    stream.on('data', (chunk: Buffer) => {
      if (!record(kind, chunk)) {
        stream.pause();
        process.stdout.once('drain', () => stream.resume());
      }
    });
  forward(RECORD_STDOUT, proc.stdout!);
  forward(RECORD_STDERR, proc.stderr!);
  proc.on('close', (code) => end(code));
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const req = JSON.parse(line) as Request;
  if (req.type === 'run') {
    queue.push(req);
    startNext();
  } else if (running?.id === req.id) {
    running.proc.kill('SIGKILL');
  } else if (queue.some((q) => q.id === req.id)) {
    cancelled.add(req.id);
  }
}).on('close', () => {
  stdinClosed = true;
  queue.length = 0;
  if (running) running.proc.kill('SIGKILL');
  else process.exit(0);
});
