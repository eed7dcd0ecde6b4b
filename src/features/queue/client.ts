/** The client side of the queue (enqueuing, waiting, status): a BullMQ Queue plus a plain Redis connection. */
import { Queue } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { connectionOptions, displayUrl } from './connection.js';
import { QUEUE_NAME, type ExtractJobResult, type ExtractJobSpec } from './job-spec.js';

export type ExtractQueue = Queue<ExtractJobSpec, ExtractJobResult>;

export interface QueueClient {
  queue: ExtractQueue;
  /** For the few reads BullMQ has no batch call for (EXISTS, ZMSCORE over many ids). */
  redis: Redis;
  close(): Promise<void>;
}

/**
 * Opens the queue at `url`. Connection errors while Redis is away go to `onError` (the connections
 * keep reconnecting and hold commands until then); without a listener they would crash the process.
 */
export function openQueue(url: string, onError: (e: Error) => void = () => undefined): QueueClient {
  const { url: u, ...rest } = connectionOptions(url);
  const queue: ExtractQueue = new Queue<ExtractJobSpec, ExtractJobResult>(QUEUE_NAME, { connection: { url: u, ...rest } });
  queue.on('error', onError);
  const redis = new Redis(u, rest as RedisOptions);
  redis.on('error', onError);
  return {
    queue,
    redis,
    async close() {
      redis.disconnect();
      // Closing waits for Redis; one that never answered is left behind rather than waited for.
      await Promise.race([queue.close(), new Promise((r) => setTimeout(r, 2000).unref())]);
    },
  };
}

/** Redis did not answer a PING in time. */
export class QueueUnreachableError extends Error {
  override name = 'QueueUnreachableError';
}

/** Throws QueueUnreachableError unless Redis answers within `ms` (a wrong URL fails now, not never). */
export async function checkReachable(c: QueueClient, url: string, ms = 10_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new QueueUnreachableError(`${displayUrl(url)}: Redis does not answer (is redis-server running there?)`)), ms);
  });
  try {
    await Promise.race([c.redis.ping(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `fn` on an open queue and closes it after. */
export async function withQueue<T>(url: string, fn: (c: QueueClient) => Promise<T>, onError?: (e: Error) => void): Promise<T> {
  const c = openQueue(url, onError);
  try {
    await checkReachable(c, url);
    return await fn(c);
  } finally {
    await c.close();
  }
}
