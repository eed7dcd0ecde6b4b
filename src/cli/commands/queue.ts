/** `c3d queue status|retry-failed|drain`: the extraction queue's state and the two ways to act on it. */
import { parseCommandArgs, UsageError, type Command } from '../command.js';
import { formatSeconds } from '../progress.js';
import { plural } from '../plural.js';
import { displayUrl, drainQueue, queueStatus, retryFailed, withQueue, type QueueStatus } from '../../features/queue/index.js';
import { queueUrlOrUsageError } from './extract-queue.js';

const usage = `usage: c3d queue status|retry-failed|drain --queue redis://HOST:PORT/DB [--json]

  status         counts (waiting, active, delayed for a retry, completed, failed), workers
                 connected, throughput over the latest completed jobs, ETA, and the failed videos
                 with their errors; --json: one object with waiting, active, delayed, completed,
                 failed, workers, rate_per_hour, eta_seconds, failed_items [{video, id, error, attempts}]
  retry-failed   puts every failed job back in the queue with a fresh set of attempts
  drain          removes the jobs not started yet (waiting and delayed); with --all every job,
                 finished ones too, so the same run can be enqueued again from scratch

  --queue URL          Redis holding the queue (required)
  --json               print one JSON object
  --all                drain: every job, not only those waiting`;

const OPTIONS = {
  queue: { type: 'string' },
  json: { type: 'boolean' },
  all: { type: 'boolean' },
} as const;

const ACTIONS = ['status', 'retry-failed', 'drain'];

function statusText(s: QueueStatus, url: string): string {
  const lines = [
    `${displayUrl(url)}: ${s.waiting} waiting, ${s.active} active, ${s.delayed} delayed (retry), ${s.completed} completed, ${s.failed} failed; ${plural(s.workers, 'worker')} connected`,
    `throughput ${s.rate_per_hour === null ? '--' : `${s.rate_per_hour.toFixed(1)} videos/h`}, ETA ${s.eta_seconds === null ? '--' : formatSeconds(s.eta_seconds)}`,
  ];
  if (s.failed_items.length) {
    lines.push('failed:');
    for (const f of s.failed_items) lines.push(`  ${f.error.includes(f.video) ? f.error : `${f.video}: ${f.error}`} (${plural(f.attempts, 'attempt')})`);
  }
  return lines.join('\n');
}

export const queueCommand: Command = {
  name: 'queue',
  summary: 'state of the scale-out extraction queue; retry its failed videos, or drain it',
  usage,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS);
    const action = positionals[0];
    if (!action || !ACTIONS.includes(action)) throw new UsageError(`expected one of ${ACTIONS.join(', ')}${action ? `, got '${action}'` : ''}`);
    if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
    if (!values.queue) throw new UsageError('--queue redis://HOST:PORT/DB is required');
    if (values.all && action !== 'drain') throw new UsageError('--all applies to drain only');
    const url = queueUrlOrUsageError(values.queue);
    return await withQueue(url, async (c) => {
      if (action === 'status') {
        const s = await queueStatus(c);
        process.stdout.write((values.json ? JSON.stringify(s) : statusText(s, url)) + '\n');
      } else if (action === 'retry-failed') {
        const n = await retryFailed(c);
        process.stdout.write(values.json ? JSON.stringify({ retried: n }) + '\n' : `${plural(n, 'failed job')} back in the queue\n`);
      } else {
        const n = await drainQueue(c, values.all);
        process.stdout.write(values.json ? JSON.stringify({ removed: n }) + '\n' : `removed ${plural(n, 'job')}${values.all ? '' : ' not started yet'}\n`);
      }
      return 0;
    });
  },
};
