/** The little of a dedicated worker's global scope our workers use (the tsconfig has the DOM lib, not WebWorker). */
export interface WorkerScope {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (e: MessageEvent) => void): void;
}

export const workerScope = globalThis as unknown as WorkerScope;
