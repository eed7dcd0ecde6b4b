/** `c3d worker`: runs queued extraction jobs (`c3d extract … --queue URL`) until stopped (thin layer over src/features/queue). */
import { parseCommandArgs, UsageError, type Command } from '../command.js';
import { BACKEND_FLAGS_USAGE, BACKEND_OPTIONS, backendFromFlags } from '../flags/model-flags.js';
import { positiveInt } from '../flags/numbers.js';
import { plural } from '../plural.js';
import { startDecoders } from '../../features/decoder-pool.js';
import { DEFAULT_LOCK_MS, displayUrl, startExtractWorker } from '../../features/queue/index.js';
import { queueUrlOrUsageError } from './extract-queue.js';

const usage = `usage: c3d worker --queue redis://HOST:PORT/DB [--concurrency N] [--backend B] [--threads N]

Takes extraction jobs from the queue that 'c3d extract … --queue URL' fills, on any number of
machines, until stopped. Each job names its video, the weights (path and sha256) and every feature
option, so a worker needs no other flags: it loads each weights file once and keeps it, extracts
exactly as a local 'c3d extract' does, writes the outputs atomically into the job's DIR (a shared
filesystem: the same paths on every machine) and appends the video's line to DIR/manifest.jsonl.
A job whose weights file here has another sha256 is refused (failed with that reason).
A video that fails is retried with exponential backoff, then kept in the failed set with its error
('c3d queue status', 'c3d queue retry-failed').

  --queue URL          Redis holding the queue (required)
  --concurrency N      jobs at once (default 1; their decoding overlaps, forward passes take turns)
${BACKEND_FLAGS_USAGE}

SIGTERM or Ctrl-C: takes no more jobs, finishes the current ones, exits 0 (a second one exits at
once; the jobs are taken over by another worker when their lock expires). A killed worker's job is
taken over the same way. C3D_QUEUE_LOCK_MS sets the lock (default ${DEFAULT_LOCK_MS} ms; it must
outlast the longest forward pass). Logs one line per job on stderr.

Example: c3d worker --queue redis://10.0.0.5:6379/0 --threads 8`;

const OPTIONS = {
  ...BACKEND_OPTIONS,
  queue: { type: 'string' },
  concurrency: { type: 'string' },
} as const;

/** `C3D_QUEUE_LOCK_MS` when a positive number (tests use short locks), else the default. */
function lockMs(): number | undefined {
  const s = process.env.C3D_QUEUE_LOCK_MS;
  if (s === undefined || s.trim() === '') return undefined;
  const v = Number(s);
  if (!(Number.isFinite(v) && v > 0)) throw new UsageError(`C3D_QUEUE_LOCK_MS must be a positive number of milliseconds, got '${s}'`);
  return v;
}

export const workerCommand: Command = {
  name: 'worker',
  summary: 'run queued extraction jobs (c3d extract --queue) on this machine: scale out over Redis',
  usage,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS);
    if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}' (the jobs name their videos)`);
    if (!values.queue) throw new UsageError('--queue redis://HOST:PORT/DB is required');
    const url = queueUrlOrUsageError(values.queue);
    const concurrency = positiveInt('concurrency', values.concurrency, 1);
    const b = backendFromFlags(values);
    const lock = lockMs();
    const log = (s: string): boolean => process.stderr.write(`c3d worker: ${s}\n`);
    // Decoders fork their ffmpeg relays now, before any weights are in memory (cheap forks).
    await startDecoders(concurrency);
    let lastError = 0;
    const w = startExtractWorker({
      url,
      concurrency,
      lockMs: lock,
      backend: { backend: b.backend, threads: b.threads, executionProviders: b.executionProviders },
      onJobStart: (spec, attempt) => log(`${spec.id}: started (attempt ${attempt}) ${spec.video}`),
      onJobEnd: (spec, r, final) => {
        if (r.status === 'failed') log(`${spec.id}: failed${final ? '' : ', will retry'}: ${r.error}`);
        else log(`${spec.id}: ${r.status}${r.frames !== undefined ? ` (${plural(r.frames, 'frame')}, ${plural(r.clips ?? 0, 'clip')}, ${r.seconds} s)` : ''}`);
      },
      onError: (e) => {
        if (Date.now() - lastError < 10_000) return;
        lastError = Date.now();
        log(`${displayUrl(url)}: ${e.message.split('\n')[0]} (retrying)`);
      },
    });
    log(`waiting for jobs on ${displayUrl(url)} (concurrency ${concurrency}, ${b.backend}${b.threads ? `, ${b.threads} threads` : ''})`);
    return await new Promise<number>((resolve) => {
      let stopping = false;
      const stop = (signal: string): void => {
        if (stopping) {
          log(`${signal} again: exiting now; the current jobs are taken over when their lock expires`);
          process.exit(130);
        }
        stopping = true;
        log(`${signal}: taking no more jobs, finishing the current ones`);
        w.close().then(
          () => {
            log('stopped');
            resolve(0);
          },
          (e: Error) => {
            log(`stopping: ${e.message}`);
            resolve(1);
          },
        );
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    });
  },
};
