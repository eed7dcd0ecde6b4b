/**
 * The ffmpeg relay process (see spawner.ts): a small Node process that spawns ffmpegs on request,
 * one at a time, and forwards their stdout / stderr / exit status as records on its own stdout.
 * Being small, it forks cheaply; the process that holds the net never forks per video.
 * It exits when its stdin closes, killing a running ffmpeg.
 *
 * Interruptions are the parent's to report: Ctrl-C reaches the whole foreground process group, so the
 * relay ignores SIGINT, and its ffmpegs run in their own process group (they would otherwise stop and
 * cut the video in flight short before the parent has said anything). When the parent goes away, the
 * relay's stdin closes and its stdout breaks (EPIPE): it stops its ffmpeg and exits without a word.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { RECORD_EXIT, RECORD_HEADER, RECORD_STDERR, RECORD_STDOUT, RELAY_STDOUT_WINDOW, type RelayExit } from './spawner.js';

type Request =
  | { type: 'run'; id: number; bin: string; args: string[] }
  | { type: 'kill'; id: number }
  | { type: 'ack'; id: number; bytes: number };

interface Running {
  id: number;
  proc: ChildProcess;
  /** Stdout bytes sent and not yet acknowledged as read by the parent's reader. */
  unacked: number;
  /** Killed on request: its stdout is dropped, not sent. */
  killed: boolean;
}

const queue: Extract<Request, { type: 'run' }>[] = [];
/** Queued requests killed before they started: answered in turn, so exits stay in request order. */
const cancelled = new Set<number>();
let running: Running | undefined;
let stdinClosed = false;
/** Our stdout pipe is full: forwarding waits for 'drain'. */
let waitingDrain = false;

function record(kind: number, payload: Buffer): void {
  const head = Buffer.alloc(RECORD_HEADER);
  head[0] = kind;
  head.writeUInt32LE(payload.length, 1);
  process.stdout.write(head);
  if (!process.stdout.write(payload) && !waitingDrain) {
    waitingDrain = true;
    process.stdout.once('drain', () => {
      waitingDrain = false;
      flow();
    });
  }
  flow();
}

/**
 * Pauses or resumes reading the running ffmpeg. Its stdout waits for a full pipe to the parent or
 * a spent window (see spawner.ts); its stderr only for a full pipe, so the parent always gets the log
 * (the stream header it waits for) however many frames its reader has left unread.
 */
function flow(): void {
  if (!running) return;
  const { proc, unacked, killed } = running;
  const stdoutWaits = !killed && (waitingDrain || unacked >= RELAY_STDOUT_WINDOW);
  if (stdoutWaits) proc.stdout!.pause();
  else proc.stdout!.resume();
  if (waitingDrain) proc.stderr!.pause();
  else proc.stderr!.resume();
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
    proc = spawn(req.bin, req.args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  } catch (err) {
    exit({ code: null, error: (err as Error).message });
    startNext();
    return;
  }
  const r: Running = { id: req.id, proc, unacked: 0, killed: false };
  running = r;
  let spawnError: NodeJS.ErrnoException | undefined;
  let ended = false;
  const end = (code: number | null): void => {
    if (ended) return;
    ended = true;
    running = undefined;
    exit(spawnError ? { code: null, error: spawnError.message, errno: spawnError.code } : { code });
    startNext();
  };
  proc.on('error', (err: NodeJS.ErrnoException) => {
    spawnError = err;
    if (proc.pid === undefined) end(null); // never started: no 'close' to wait for
  });
  proc.stdout!.on('data', (chunk: Buffer) => {
    if (r.killed) return;
    r.unacked += chunk.length;
    record(RECORD_STDOUT, chunk);
  });
  proc.stderr!.on('data', (chunk: Buffer) => record(RECORD_STDERR, chunk));
  flow();
  proc.on('close', (code) => end(code));
}

/** The parent is gone (our stdout broke): stop the running ffmpeg and exit quietly. */
function parentGone(): never {
  running?.proc.kill('SIGKILL');
  process.exit(0);
}

process.on('SIGINT', () => undefined);
process.stdout.on('error', parentGone);
process.stdin.on('error', parentGone);

createInterface({ input: process.stdin }).on('line', (line) => {
  const req = JSON.parse(line) as Request;
  if (req.type === 'run') {
    queue.push(req);
    startNext();
  } else if (req.type === 'ack') {
    if (running?.id !== req.id) return; // it has exited meanwhile
    running.unacked -= req.bytes;
    flow();
  } else if (running?.id === req.id) {
    // Drop what it still writes (nobody reads it) so that it reaches 'close' and the next one starts.
    running.killed = true;
    running.proc.kill('SIGKILL');
    flow();
  } else if (queue.some((q) => q.id === req.id)) {
    cancelled.add(req.id);
  }
}).on('close', () => {
  stdinClosed = true;
  queue.length = 0;
  if (!running) process.exit(0);
  running.killed = true; // its unread stdout must not keep it from 'close' (then we exit)
  running.proc.kill('SIGKILL');
  flow();
});
