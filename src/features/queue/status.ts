/** `c3d queue status|retry-failed|drain`: what the queue holds, and the two ways to act on it. */
import type { QueueClient } from './client.js';

export interface FailedItem {
  video: string;
  id: string;
  error: string;
  attempts: number;
}

export interface QueueStatus {
  waiting: number;
  active: number;
  /** Waiting for a retry (backoff). */
  delayed: number;
  completed: number;
  failed: number;
  /** Worker connections Redis sees now. */
  workers: number;
  /** Completions per hour over the latest completed jobs (up to 200); null with fewer than two. */
  rate_per_hour: number | null;
  /** Seconds until waiting + active + delayed are done at that rate; null when unknown or nothing is left. */
  eta_seconds: number | null;
  failed_items: FailedItem[];
}

const RATE_SAMPLE = 200;

/** Counts, throughput, ETA and the failed videos with their errors. */
export async function queueStatus(c: QueueClient): Promise<QueueStatus> {
  const q = c.queue;
  const counts = await q.getJobCounts('wait', 'prioritized', 'active', 'delayed', 'completed', 'failed');
  const waiting = (counts.wait ?? 0) + (counts.prioritized ?? 0);
  const active = counts.active ?? 0;
  const delayed = counts.delayed ?? 0;
  const recent = (await q.getCompleted(0, RATE_SAMPLE - 1)).map((j) => j.finishedOn).filter((t): t is number => typeof t === 'number');
  let rate: number | null = null;
  if (recent.length >= 2) {
    const span = (Math.max(...recent) - Math.min(...recent)) / 1000;
    if (span > 0) rate = ((recent.length - 1) / span) * 3600;
  }
  const left = waiting + active + delayed;
  const failed = await q.getFailed(0, -1);
  return {
    waiting,
    active,
    delayed,
    completed: counts.completed ?? 0,
    failed: counts.failed ?? 0,
    workers: await q.getWorkersCount(),
    rate_per_hour: rate === null ? null : Math.round(rate * 10) / 10,
    eta_seconds: rate && left > 0 ? Math.round((left / rate) * 3600) : null,
    failed_items: failed.map((j) => ({ video: j.data?.video ?? '?', id: j.data?.id ?? j.id ?? '?', error: j.failedReason, attempts: j.attemptsMade })),
  };
}

/** Moves every failed job back to waiting (a fresh set of attempts); returns how many. */
export async function retryFailed(c: QueueClient): Promise<number> {
  const n = await c.queue.getFailedCount();
  if (n > 0) await c.queue.retryJobs({ state: 'failed', count: 1000 });
  return n;
}

/**
 * Removes the jobs not started (waiting and delayed); returns how many. `all`: removes every job,
 * finished ones included (and running ones, whose workers then fail to ack), so the same videos can
 * be enqueued again.
 */
export async function drainQueue(c: QueueClient, all = false): Promise<number> {
  const counts = await c.queue.getJobCounts('wait', 'prioritized', 'delayed', 'active', 'completed', 'failed');
  const kinds = all ? Object.keys(counts) : ['wait', 'prioritized', 'delayed'];
  const n = kinds.reduce((s, k) => s + (counts[k] ?? 0), 0);
  if (all) await c.queue.obliterate({ force: true });
  else await c.queue.drain(true);
  return n;
}
