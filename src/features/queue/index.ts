/** Scale-out extraction on BullMQ/Redis: enqueue a run's videos, run workers anywhere, follow and manage the queue. */
export { QUEUE_NAME, jobIdOf, sha256File, type ExtractJobSpec, type ExtractJobResult, type JobWeights } from './job-spec.js';
export { checkQueueUrl, displayUrl, QueueUrlError } from './connection.js';
export { openQueue, withQueue, checkReachable, QueueUnreachableError, type QueueClient } from './client.js';
export { enqueueJobs, type EnqueueOptions, type EnqueueResult } from './enqueue.js';
export { waitForJobs, type FinishedJob, type WaitOptions } from './wait.js';
export { queueStatus, retryFailed, drainQueue, type QueueStatus, type FailedItem } from './status.js';
export { startExtractWorker, DEFAULT_LOCK_MS, type ExtractWorker, type ExtractWorkerOptions } from './worker.js';
