/** DecodeGate: a thread passing the gate in a loop stops while it is closed and goes on when it opens. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { DecodeGate } from '../../src/features/decode-gate.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a worker looping on gate.pass() makes no progress while the gate is closed', async () => {
  const gate = new DecodeGate();
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const url = new URL('../../src/features/decode-gate.js', import.meta.url).href;
  // The worker stands in for a decoder: one "frame" (a counter tick) per pass of the gate.
  const worker = new Worker(
    // The port listener keeps the thread alive while it sleeps in Atomics.waitAsync (as a decode worker's does).
    `const { workerData, parentPort } = require('node:worker_threads');
     parentPort.on('message', () => undefined);
     import(workerData.url).then(async ({ DecodeGate }) => {
       const gate = new DecodeGate(workerData.gate);
       const counter = new Int32Array(workerData.counter);
       for (;;) { await gate.pass(); Atomics.add(counter, 0, 1); await new Promise((r) => setTimeout(r, 1)); }
     });`,
    { eval: true, workerData: { url, gate: gate.buffer, counter: counter.buffer } },
  );
  try {
    while (Atomics.load(counter, 0) < 5) await sleep(5);
    gate.close();
    await sleep(20); // the frame in flight when the gate closed may still finish
    const closedAt = Atomics.load(counter, 0);
    await sleep(150);
    assert.equal(Atomics.load(counter, 0), closedAt, 'no progress while closed');
    gate.open();
    const openedAt = Atomics.load(counter, 0);
    await sleep(100);
    assert.ok(Atomics.load(counter, 0) > openedAt + 5, 'resumes once opened');
  } finally {
    await worker.terminate();
  }
});
