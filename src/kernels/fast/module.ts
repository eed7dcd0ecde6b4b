/**
 * Loads the compute core: decodes the embedded binary (no fs/fetch, so browsers work too), creates the
 * shared memory every thread uses and instantiates the module over it.
 */
import { WASM_BASE64 } from './wasm-binary.generated.js';
import type { CoreExports } from './abi.js';

/** 64 KiB wasm pages; 65536 pages = 4 GiB, the wasm32 ceiling the module is compiled for. */
export const PAGE_BYTES = 65536;
export const MAX_PAGES = 65536;
/** Must be ≥ the module's declared initial memory (tools/build-wasm.mjs: --initialMemory 32). */
const MIN_PAGES = 32;

let compiled: Promise<WebAssembly.Module> | undefined;

/** The compiled module, compiled once per process and shared with every worker. */
export function compileCore(): Promise<WebAssembly.Module> {
  compiled ??= WebAssembly.compile(decodeBase64(WASM_BASE64));
  return compiled;
}

export function createSharedMemory(initialPages: number): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: Math.max(MIN_PAGES, initialPages), maximum: MAX_PAGES, shared: true });
}

export async function instantiateCore(module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<CoreExports> {
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  return instance.exports as unknown as CoreExports;
}

/** Base64 text → bytes (atob: the same in Node and browsers). */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const bin = atob(text);
  const bytes = new Uint8Array(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}
