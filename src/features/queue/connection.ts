/**
 * The Redis behind the queue: `redis://HOST:PORT/DB` (or rediss:// for TLS). Every connection
 * reconnects forever with a short backoff and queues commands meanwhile (maxRetriesPerRequest null,
 * which BullMQ requires of workers), so a Redis restart pauses a run instead of ending it.
 */
import type { RedisOptions } from 'bullmq';

/** A queue URL that is not redis:// or rediss://. */
export class QueueUrlError extends Error {
  override name = 'QueueUrlError';
}

/** Checks a queue URL and returns it normalised (`redis://host:port/db`, password kept). */
export function checkQueueUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new QueueUrlError(`'${url}' is not a URL (expected redis://HOST:PORT/DB)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new QueueUrlError(`'${url}': expected redis://HOST:PORT/DB or rediss://…, got ${u.protocol}`);
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new QueueUrlError(`'${url}': the database (after the port) must be a number, got '${db}'`);
  return u.toString();
}

/** Milliseconds before reconnect attempt `times`: 100, 200, … capped at 2 s (a restart is seconds). */
export function reconnectDelay(times: number): number {
  return Math.min(100 * times, 2000);
}

/** ioredis options for BullMQ's `connection`: the URL, endless reconnects, commands held until then. */
export function connectionOptions(url: string): RedisOptions & { url: string } {
  return { url: checkQueueUrl(url), maxRetriesPerRequest: null, retryStrategy: reconnectDelay, enableOfflineQueue: true };
}

/** The URL without its password, for messages. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
