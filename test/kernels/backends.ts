/**
 * The kernel backends every kernel test runs against: the reference path always, plus the fast
 * path when src/kernels/fast/index.ts is part of the build. A fast path that exists but fails to
 * load is an error, not a silent skip. C3D_TEST_KERNELS=reference restricts the run to the
 * reference path (e.g. while the fast path is being rebuilt).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Kernels } from '../../src/kernels/api.js';
import { referenceKernels } from '../../src/kernels/reference/index.js';

export interface Backend {
  kernels: Kernels;
  dispose(): Promise<void>;
}

interface FastModule {
  createFastKernels(opts?: { threads?: number }): Promise<Kernels & { dispose(): Promise<void> }>;
}

export async function loadBackends(): Promise<Backend[]> {
  const backends: Backend[] = [{ kernels: referenceKernels, dispose: async () => {} }];
  const fastUrl = new URL('../../src/kernels/fast/index.js', import.meta.url);
  if (process.env.C3D_TEST_KERNELS !== 'reference' && existsSync(fileURLToPath(fastUrl))) {
    const fast = (await import(fastUrl.href)) as FastModule;
    const kernels = await fast.createFastKernels({ threads: 2 });
    backends.push({ kernels, dispose: () => kernels.dispose() });
  }
  return backends;
}
