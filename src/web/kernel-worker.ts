/**
 * Web Worker entry of the browser thread pool (./web-thread-pool.ts), the counterpart of
 * src/kernels/fast/worker-node.ts: instantiates the compute core over the shared memory it is sent and
 * runs task blocks on request. In `{ module, memory }` then `{ block }`; out `{ ready }`, `{ done }`, `{ error }`.
 */
import { instantiateCore } from '../kernels/fast/module.js';
import type { CoreExports } from '../kernels/fast/abi.js';
import { workerScope } from './worker-scope.js';

let core: CoreExports | undefined;
workerScope.addEventListener('message', (e) => {
  const msg = e.data as { module?: WebAssembly.Module; memory?: WebAssembly.Memory; block?: number };
  if (msg.module && msg.memory) {
    instantiateCore(msg.module, msg.memory).then(
      (c) => {
        core = c;
        workerScope.postMessage({ ready: true });
      },
      (err: Error) => workerScope.postMessage({ error: err.message }),
    );
    return;
  }
  try {
    if (!core || msg.block === undefined) throw new Error('kernel worker: not started');
    core.run(msg.block);
    workerScope.postMessage({ done: true });
  } catch (err) {
    workerScope.postMessage({ error: err instanceof Error ? err.message : String(err) });
  }
});
