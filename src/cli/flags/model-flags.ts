/**
 * Flags every inference command shares: `--backend wasm|onnxruntime`, `--model NAME` (+ model
 * options), `--threads N`, `--ep PROVIDERS`. Parsed here once so commands stay thin.
 */
import { UsageError } from '../command.js';
import { getModel, modelNames, readNetSpec, type ModelOptions, type NetSpec } from '../../models/index.js';
import { DEFAULT_BACKEND, parseBackendName, type BackendName } from '../../runtime/index.js';

export const MODEL_FLAGS_USAGE = `  --model NAME         built-in net (${modelNames.join(', ')})
  --classes N          classifier outputs (default: the net's, or the weights' fc8)
  --width X            channel multiplier (small nets for CPU training)
  --size S             crop height = width in pixels
  --length L           clip length in frames`;

export const BACKEND_FLAGS_USAGE = `  --backend B          onnxruntime (default: native) or wasm (our kernels)
  --threads N          compute threads (default: the backend's)
  --ep LIST            onnxruntime execution providers, comma-separated (default cpu), e.g. cuda,cpu`;

/** `--spec FILE.json` (commands that honour it add SPEC_OPTIONS and SPEC_FLAG_USAGE; see specFromFlags). */
export const SPEC_FLAG_USAGE = `  --spec FILE.json     a net spec file instead of --model (c3d models NAME --json writes one)`;

export const SPEC_OPTIONS = {
  spec: { type: 'string' },
} as const;

export const MODEL_OPTIONS = {
  model: { type: 'string' },
  classes: { type: 'string' },
  width: { type: 'string' },
  size: { type: 'string' },
  length: { type: 'string' },
} as const;

export const BACKEND_OPTIONS = {
  backend: { type: 'string' },
  threads: { type: 'string' },
  ep: { type: 'string' },
} as const;

function num(flag: string, v: string | undefined, integer: boolean): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${flag} must be a positive ${integer ? 'integer' : 'number'}, got '${v}'`);
  }
  return n;
}

/** Model options from flags; `classes` falls back to `defaultClasses` (e.g. the weights' fc8 rows). */
export function modelOptionsFromFlags(v: { classes?: string; width?: string; size?: string; length?: string }, defaultClasses?: number): ModelOptions {
  const o: ModelOptions = {};
  const classes = num('classes', v.classes, true) ?? defaultClasses;
  if (classes !== undefined) o.classes = classes;
  const width = num('width', v.width, false);
  if (width !== undefined) o.width = width;
  const size = num('size', v.size, true);
  if (size !== undefined) o.size = size;
  const length = num('length', v.length, true);
  if (length !== undefined) o.length = length;
  return o;
}

/** The spec of --spec FILE, or the one named by --model (or `fallback`) with the option flags applied. */
export function specFromFlags(
  v: { model?: string; spec?: string; classes?: string; width?: string; size?: string; length?: string },
  fallback = 'c3d-sports1m',
  defaultClasses?: number,
): NetSpec {
  if (v.spec !== undefined) {
    const clash = (['model', 'classes', 'width', 'size', 'length'] as const).filter((k) => v[k] !== undefined);
    if (clash.length) throw new UsageError(`--spec FILE fixes the whole net; drop ${clash.map((k) => `--${k}`).join(', ')}`);
    try {
      return readNetSpec(v.spec);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  const opts = modelOptionsFromFlags(v, defaultClasses);
  try {
    return getModel(v.model ?? fallback, opts);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export interface BackendFlags {
  backend: BackendName;
  threads?: number;
  executionProviders?: string[];
}

export function backendFromFlags(v: { backend?: string; threads?: string; ep?: string }): BackendFlags {
  let backend: BackendName;
  try {
    backend = v.backend === undefined ? DEFAULT_BACKEND : parseBackendName(v.backend);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const out: BackendFlags = { backend };
  const threads = num('threads', v.threads, true);
  if (threads !== undefined) out.threads = threads;
  if (v.ep !== undefined) {
    if (backend !== 'onnxruntime') throw new UsageError('--ep applies to --backend onnxruntime only');
    const eps = v.ep.split(',').map((s) => s.trim()).filter(Boolean);
    if (eps.length === 0) throw new UsageError('--ep needs at least one execution provider name');
    out.executionProviders = eps;
  }
  return out;
}
