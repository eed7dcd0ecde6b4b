/**
 * Following a run's jobs until each has completed or failed for good. Polls Redis (two ZMSCORE per
 * round over the ids still open, then the finished jobs' results once each), so a Redis restart is
 * a few failed rounds, not a lost event stream.
 */
import type { QueueClient } from './client.js';
import type { ExtractJobResult, ExtractJobSpec } from './job-spec.js';

export type FinishedJob =
  | { id: string; spec?: ExtractJobSpec; state: 'completed'; result: ExtractJobResult }
  | { id: string; spec?: ExtractJobSpec; state: 'failed'; error: string; attempts: number };

export interface WaitOptions {
  /** Milliseconds between polls (default 1000). */
  intervalMs?: number;
  onFinished?(job: FinishedJob): void;
  /** A poll that failed (e.g. Redis restarting); waiting goes on. */
  onPollError?(e: Error): void;
}

const CHUNK = 1000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves with every job of `ids` once all have finished (completed or failed after their attempts). */
export async function waitForJobs(c: QueueClient, ids: readonly string[], o: WaitOptions = {}): Promise<FinishedJob[]> {
  const open = new Set(ids);
  const finished = new Map<string, FinishedJob>();
  const completedKey = c.queue.toKey('completed');
  const failedKey = c.queue.toKey('failed');
  for (;;) {
    try {
      const pending = [...open];
      for (let i = 0; i < pending.length; i += CHUNK) {
        const part = pending.slice(i, i + CHUNK);
        const [done, failed] = await Promise.all([c.redis.zmscore(completedKey, ...part), c.redis.zmscore(failedKey, ...part)]);
        for (const [k, id] of part.entries()) {
          if (done[k] === null && failed[k] === null) continue;
          const job = await c.queue.getJob(id);
          if (!job) continue; // removed meanwhile (drained): still open, reported by the caller's timeout if any
          const f: FinishedJob =
            done[k] !== null
              ? { id, spec: job.data, state: 'completed', result: job.returnvalue }
              : { id, spec: job.data, state: 'failed', error: job.failedReason, attempts: job.attemptsMade };
          open.delete(id);
          finished.set(id, f);
          o.onFinished?.(f);
        }
      }
    } catch (e) {
      o.onPollError?.(e as Error);
    }
    if (open.size === 0) break;
    await sleep(o.intervalMs ?? 1000);
  }
  return ids.map((id) => finished.get(id)!);
}
