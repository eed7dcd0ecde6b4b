/** Adding a run's jobs: one per video, id = hash of its payload, so adding the same run again adds nothing. */
import type { QueueClient } from './client.js';
import { JOB_NAME, jobIdOf, type ExtractJobSpec } from './job-spec.js';

export interface EnqueueOptions {
  /** Tries per job before it goes to the failed set (default 3). */
  attempts?: number;
  /** First retry delay in ms, doubled each retry (default 5000). */
  backoffMs?: number;
}

export interface EnqueueResult {
  /** Job ids, in the order of `specs`. */
  ids: string[];
  /** Jobs that were not in the queue yet (the others are waiting, running or finished already). */
  added: number;
}

const CHUNK = 500;

/** Adds one job per spec (a job whose id exists, in any state, is left as it is). */
export async function enqueueJobs(c: QueueClient, specs: readonly ExtractJobSpec[], o: EnqueueOptions = {}): Promise<EnqueueResult> {
  const ids = specs.map(jobIdOf);
  let added = 0;
  for (let i = 0; i < specs.length; i += CHUNK) {
    const part = specs.slice(i, i + CHUNK);
    const partIds = ids.slice(i, i + CHUNK);
    const pipe = c.redis.pipeline();
    for (const id of partIds) pipe.exists(c.queue.toKey(id));
    const exists = ((await pipe.exec()) ?? []).map(([err, n]) => !err && n === 1);
    added += exists.filter((e) => !e).length;
    await c.queue.addBulk(
      part.map((data, k) => ({
        name: JOB_NAME,
        data,
        opts: { jobId: partIds[k], attempts: o.attempts ?? 3, backoff: { type: 'exponential', delay: o.backoffMs ?? 5000 } },
      })),
    );
  }
  return { ids, added };
}
