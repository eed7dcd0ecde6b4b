/**
 * How ffmpeg processes are started: directly, or through a small long-lived relay process.
 *
 * Why a relay: `child_process.spawn` forks the calling process, and Linux then write-protects every
 * page it owns; each page the process writes next takes a fault. With a net in memory that is
 * costly — measured with full C3D on onnxruntime (2-core VM): one spawn made the next forward pass
 * 2.3 s instead of 1.1 s. A video per ffmpeg means one such hit per video (UCF101 videos take ~6 s of
 * forward passes each). The relay (spawn-relay-child.ts) is forked once per decode worker, when the
 * worker starts, and spawns each ffmpeg from its own small address space, passing the bytes through.
 *
 * Wire format, relay → us: records `[kind u8][length u32 LE][payload]`, kind 1 = ffmpeg stdout bytes,
 * 2 = stderr bytes, 3 = exit (JSON `{code, error?, errno?}`); us → relay: JSON lines
 * `{type:'run', id, bin, args}`, `{type:'kill', id}` or `{type:'ack', id, bytes}`. One ffmpeg at a
 * time per relay, in request order, so records always belong to the oldest unfinished request.
 *
 * Flow control: the relay may send at most RELAY_STDOUT_WINDOW stdout bytes of an ffmpeg beyond those
 * its reader has consumed (`ack`), then stops reading that ffmpeg's stdout (ffmpeg then blocks, as on
 * a full pipe). We never stop reading the relay itself: stdout, stderr and exit share its one pipe,
 * so pausing it for unread frames would also hold back the stderr behind them — and openVideo reads
 * stderr (the stream header) BEFORE anyone reads stdout. When ffmpeg's first frames reached the relay
 * ahead of its header, that was a deadlock (`c3d extract` hung on a video at 0% CPU). As with a
 * ChildProcess, a RelayedProcess's stderr and exit must arrive however much of its stdout is unread.
 */
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';

/** The part of a ChildProcess the decoder uses (a spawned ffmpeg, direct or relayed). */
export interface SpawnedProcess {
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** null while running. */
  readonly exitCode: number | null;
  kill(signal?: NodeJS.Signals): void;
  on(event: 'error', fn: (err: Error) => void): this;
  on(event: 'close', fn: (code: number | null) => void): this;
}

/** Starts `bin args` with stdout/stderr piped, stdin ignored. */
export type Spawner = (bin: string, args: readonly string[]) => SpawnedProcess;

/** The plain way: fork this process (fine when it holds little memory). */
export const spawnDirect: Spawner = (bin, args) => spawn(bin, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });

export const RECORD_STDOUT = 1;
export const RECORD_STDERR = 2;
export const RECORD_EXIT = 3;
export const RECORD_HEADER = 5;

/** Exit record payload. */
export interface RelayExit {
  code: number | null;
  /** spawn failure (e.g. ENOENT), as the error code or message. */
  error?: string;
  errno?: string;
}

/**
 * Stdout bytes of one ffmpeg the relay sends ahead of its reader (see the flow control above): a few
 * frames of a large video; it bounds what is buffered per decoder. Must exceed a Readable's
 * highWaterMark (acks are sent when the reader's buffer drops below it).
 */
export const RELAY_STDOUT_WINDOW = 1 << 20;

/**
 * A relayed ffmpeg's stdout, which tells `onConsumed` whenever its reader takes data. Acks cannot hang
 * on `_read` alone: Readable calls `_read` only while no read is pending, and a call that found nothing
 * new to acknowledge (the reader had not taken anything yet) stays pending until the next push — which
 * never comes once the relay has spent its window. Then ffmpeg, the relay and the reader all waited on
 * each other: `c3d extract` hung on one video in three or so, at 0% CPU.
 */
class RelayStdout extends Readable {
  constructor(private readonly onConsumed: () => void) {
    super({ read: () => onConsumed() });
  }

  override read(size?: number): unknown {
    const chunk: unknown = super.read(size);
    if (chunk !== null) this.onConsumed();
    return chunk;
  }
}

class RelayedProcess extends EventEmitter implements SpawnedProcess {
  exitCode: number | null = null;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Exit record received. */
  done = false;
  /** Killed by us: what is left of its output is dropped. */
  killed = false;
  /** Stdout bytes received from the relay, and those acknowledged to it as consumed. */
  private received = 0;
  private acked = 0;

  constructor(
    readonly id: number,
    private readonly relay: SpawnRelay,
  ) {
    super();
    // Tell the relay what the reader has consumed: when it takes data, and when its buffer runs low.
    this.stdout = new RelayStdout(() => this.ack());
    this.stderr = new Readable({ read: () => undefined });
    // A reader that abandons stdout (destroys it) will never ack again: stop the ffmpeg, which a
    // ChildProcess's closed pipe would stop too, or the relay would wait on it forever.
    this.stdout.on('close', () => this.kill());
  }

  /** @internal A stdout record (never refused: the relay's window bounds what we buffer). */
  deliver(chunk: Buffer): void {
    this.received += chunk.length;
    this.stdout.push(chunk);
  }

  kill(): void {
    if (this.done || this.killed) return;
    this.killed = true;
    this.relay.kill(this);
  }

  private ack(): void {
    if (this.done || this.killed) return;
    const consumed = this.received - this.stdout.readableLength;
    if (consumed <= this.acked) return;
    this.relay.ack(this, consumed - this.acked);
    this.acked = consumed;
  }
}

/**
 * One relay process. Its ffmpegs run one at a time, in the order asked (a decode worker opens the
 * next video while the last one's ffmpeg is still exiting). The relay exits when its stdin closes
 * (`close()`, or this thread ending).
 */
export class SpawnRelay {
  private readonly proc;
  /** Started or queued processes, oldest first; records belong to the first. */
  private readonly procs: RelayedProcess[] = [];
  private nextId = 0;
  private pending = Buffer.alloc(0);
  private failure: Error | undefined;

  constructor(childScript: string) {
    this.proc = spawn(process.execPath, [childScript], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.proc.on('error', (e) => this.crash(new Error(`ffmpeg relay could not start: ${e.message}`)));
    this.proc.on('exit', (code, signal) => this.crash(new Error(`ffmpeg relay exited (${signal ?? `code ${code}`})`)));
    this.proc.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    this.proc.stdin.on('error', () => undefined); // a dead relay is reported through 'exit'
  }

  readonly spawner: Spawner = (bin, args) => {
    const p = new RelayedProcess(this.nextId++, this);
    if (this.failure) {
      const message = this.failure.message;
      queueMicrotask(() => this.finish(p, { code: null, error: message }));
      return p;
    }
    this.procs.push(p);
    this.send({ type: 'run', id: p.id, bin, args });
    return p;
  };

  /** @internal */
  kill(p: RelayedProcess): void {
    this.send({ type: 'kill', id: p.id });
  }

  /** @internal `bytes` more of p's stdout were consumed: the relay may send that much more. */
  ack(p: RelayedProcess, bytes: number): void {
    this.send({ type: 'ack', id: p.id, bytes });
  }

  close(): void {
    this.proc.stdin.end();
  }

  private send(msg: object): void {
    if (!this.failure) this.proc.stdin.write(JSON.stringify(msg) + '\n');
  }

  private onData(chunk: Buffer): void {
    const buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let off = 0;
    while (buf.length - off >= RECORD_HEADER) {
      const kind = buf[off]!;
      const len = buf.readUInt32LE(off + 1);
      if (buf.length - off - RECORD_HEADER < len) break;
      const body = buf.subarray(off + RECORD_HEADER, off + RECORD_HEADER + len);
      off += RECORD_HEADER + len;
      const p = this.procs[0];
      if (!p) continue;
      if (kind === RECORD_EXIT) {
        this.procs.shift();
        this.finish(p, JSON.parse(body.toString('utf8')) as RelayExit);
      } else if (p.killed) {
        continue;
      } else if (kind === RECORD_STDOUT) {
        // Copy: `body` is a view of a chunk we keep parsing.
        p.deliver(Buffer.from(body));
      } else if (kind === RECORD_STDERR) {
        p.stderr.push(Buffer.from(body));
      }
    }
    this.pending = off < buf.length ? Buffer.from(buf.subarray(off)) : Buffer.alloc(0);
  }

  private finish(p: RelayedProcess, exit: RelayExit): void {
    p.done = true;
    p.exitCode = exit.code;
    p.stdout.push(null);
    p.stderr.push(null);
    if (exit.error !== undefined) p.emit('error', Object.assign(new Error(exit.error), { code: exit.errno }));
    // 'close' once the log is fully delivered (its listeners parse it). Unlike a ChildProcess we do
    // not wait for stdout to be read: frames may still sit unread when ffmpeg is long gone (a short
    // video), and draining them here would lose them.
    p.stderr.once('end', () => p.emit('close', exit.code));
    p.stderr.resume();
    if (p.killed) p.stdout.resume(); // nobody will read it
  }

  private crash(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    for (const p of this.procs.splice(0)) this.finish(p, { code: null, error: err.message });
  }
}
