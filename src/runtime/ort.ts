/**
 * onnxruntime-node, loaded on first use, and session creation with an execution-provider fallback.
 *
 * onnxruntime-node is an optional dependency: its install step downloads CUDA libraries from NuGet,
 * which fails offline, and npm then leaves the package out. Everything that needs it loads it here,
 * so the package still imports and runs (on the wasm backend) without it, and says how to get it.
 */
import type * as Ort from 'onnxruntime-node';

export type OrtModule = typeof Ort;
export type ExecutionProviders = NonNullable<Ort.InferenceSession.SessionOptions['executionProviders']>;

/** How to install onnxruntime-node without its CUDA download (works offline from npm's cache). */
export const ONNXRUNTIME_INSTALL_HINT = 'ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node';

/** How to add onnxruntime's CUDA 12 provider to an installed onnxruntime-node (docs/gpu.md). */
export const CUDA_PROVIDER_HINT =
  'to run on an NVIDIA GPU, add onnxruntime\'s CUDA 12 provider (needs the network, CUDA 12 and cuDNN 9): ' +
  'node node_modules/onnxruntime-node/script/install --onnxruntime-node-install=cuda12 (docs/gpu.md)';

/** Thrown when onnxruntime-node cannot be loaded; the message says how to install it or avoid it. */
export class OnnxRuntimeMissingError extends Error {
  override name = 'OnnxRuntimeMissingError';
}

let loading: Promise<OrtModule> | null = null;

/** onnxruntime-node (loaded once). Throws OnnxRuntimeMissingError when it is not installed or does not load. */
export function loadOnnxRuntime(): Promise<OrtModule> {
  loading ??= import('onnxruntime-node').then(
    (m) => {
      const ort = m as unknown as OrtModule;
      // Our own one-line messages replace onnxruntime's multi-line native error logs (e.g. the
      // "cannot open shared object file" block printed before a provider fallback).
      ort.env.logLevel = 'fatal';
      return ort;
    },
    (err: unknown) => {
      loading = null;
      const reason = (err as Error).message.split('\n')[0];
      throw new OnnxRuntimeMissingError(
        `onnxruntime-node is not available (${reason}); install it with \`${ONNXRUNTIME_INSTALL_HINT}\`, or use --backend wasm`,
      );
    },
  );
  return loading;
}

/** Whether onnxruntime-node loads (for choosing a default backend). */
export async function onnxRuntimeAvailable(): Promise<boolean> {
  try {
    await loadOnnxRuntime();
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether to run on onnxruntime: true when it loads. When it does not and no execution providers
 * were asked for, prints one warning (how to install it) and returns false: the caller runs the same
 * net on the wasm backend, which computes the same numbers, only slower. With providers asked for,
 * throws OnnxRuntimeMissingError (a GPU run must not silently become a wasm run).
 */
export async function useOnnxRuntime(executionProviders?: ExecutionProviders): Promise<boolean> {
  try {
    await loadOnnxRuntime();
    return true;
  } catch (err) {
    if (executionProviders !== undefined || !(err instanceof OnnxRuntimeMissingError)) throw err;
    warnOnce(`${err.message.replace(/, or use --backend wasm$/, '')}; running on the wasm backend meanwhile (same results, ≈ 3× slower)`);
    return false;
  }
}

/** Provider names of an executionProviders list ('cpu', 'cuda', …). */
export function providerNames(eps: ExecutionProviders | undefined): string[] {
  return (eps ?? ['cpu']).map((ep) => (typeof ep === 'string' ? ep : ep.name));
}

const warned = new Set<string>();

/** One stderr line ("c3d: warning: …") per distinct message per process. */
export function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  process.stderr.write(`c3d: warning: ${message}\n`);
}

/**
 * An InferenceSession for `model`. When a non-CPU provider fails to load (no CUDA provider
 * libraries, no driver) and the list also names 'cpu' (`--ep cuda,cpu`), prints one warning line
 * and runs on the CPU; without 'cpu' in the list, throws one line that says how to install the
 * provider. `what` names the session in errors ("the C3D training step").
 */
export async function createOrtSession(
  ort: OrtModule,
  model: Uint8Array,
  options: Ort.InferenceSession.SessionOptions,
  what: string,
): Promise<Ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(model, options);
  } catch (err) {
    const message = (err as Error).message.split('\n')[0]!;
    const names = providerNames(options.executionProviders);
    const others = names.filter((n) => n !== 'cpu');
    const providerFailed = others.length > 0 && /execution ?provider|shared library|backend not found|cuda|tensorrt|dml|coreml/i.test(message);
    if (providerFailed && names.includes('cpu')) {
      warnOnce(`onnxruntime: execution provider ${others.join(', ')} unavailable (${message}); running on cpu. ${others.includes('cuda') ? CUDA_PROVIDER_HINT : ''}`.trim());
      try {
        return await ort.InferenceSession.create(model, { ...options, executionProviders: ['cpu'] });
      } catch (cpuErr) {
        throw new Error(`cannot create ${what} on cpu either: ${(cpuErr as Error).message.split('\n')[0]}`);
      }
    }
    const hint = providerFailed ? `; ${others.includes('cuda') ? CUDA_PROVIDER_HINT : 'check the provider name and its installation'}, or add cpu as a fallback (--ep ${others.join(',')},cpu)` : '';
    throw new Error(`cannot create ${what} (execution providers ${names.join(', ')}): ${message}${hint}`);
  }
}
