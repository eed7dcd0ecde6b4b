/**
 * Worker-thread entry of the Node thread pool: instantiates the compute core over the shared memory
 * it is given and runs task blocks on request. Messages: in `{ block }`, out `{ done: true }` or
 * `{ error }`; `{ ready: true }` once instantiated.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { instantiateCore } from './module.js';

interface Init {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
}

const port = parentPort;
if (port === null) throw new Error('worker-node.js must run as a worker thread');
const { module, memory } = workerData as Init;
const core = await instantiateCore(module, memory);
port.on('message', (msg: { block: number }) => {
  try {
    core.run(msg.block);
    port.postMessage({ done: true });
  } catch (e) {
    port.postMessage({ error: e instanceof Error ? e.message : String(e) });
  }
});
port.postMessage({ ready: true });
