/**
 * A worker's nets, one per weights file and load options, built on first use and kept: a worker
 * loads each weights file once however many jobs use it. Forward passes of concurrent jobs take
 * turns on the shared backend (a session is not re-entrant on every backend), while their decoding
 * overlaps.
 */
import type { Backend } from '../../runtime/backend.js';
import type { CreateBackendOptions } from '../../runtime/index.js';
import { loadOptionsFromText } from '../../io/index.js';
import { loadPca } from '../../eval/pca.js';
import { loadNet, type LoadedNet } from '../net.js';
import type { RowProjection } from '../outputs.js';
import type { JobWeights } from './job-spec.js';

/** A backend whose `run` calls take turns (the others pass through). */
function serialised(b: Backend): Backend {
  let last: Promise<unknown> = Promise.resolve();
  return {
    name: b.name,
    outputNames: b.outputNames,
    inputShape: b.inputShape,
    threads: b.threads,
    run(clips, outputs) {
      const next = last.then(() => b.run(clips, outputs));
      last = next.catch(() => undefined);
      return next;
    },
    dispose: () => b.dispose(),
  };
}

export class NetCache {
  private readonly nets = new Map<string, Promise<LoadedNet>>();
  private readonly pcas = new Map<string, RowProjection>();

  constructor(private readonly backend: Omit<CreateBackendOptions, 'spec' | 'params'> = {}) {}

  /** The net of `w` (whose file the caller has checked against `w.sha256`), loaded once. */
  get(w: JobWeights): Promise<LoadedNet> {
    const key = JSON.stringify([w.path, w.sha256, w.map, w.channels, w.mean, w.model, w.modelOptions]);
    let net = this.nets.get(key);
    if (!net) {
      net = loadNet({ weights: w.path, load: loadOptionsFromText(w), model: w.model, modelOptions: w.modelOptions, backend: this.backend }).then((n) => ({
        ...n,
        backend: serialised(n.backend),
      }));
      this.nets.set(key, net);
      net.catch(() => this.nets.delete(key));
    }
    return net;
  }

  /** The PCA projection of `--pca FILE`, loaded once. */
  pca(path: string): RowProjection {
    let p = this.pcas.get(path);
    if (!p) {
      p = loadPca(path).rowProjection();
      this.pcas.set(path, p);
    }
    return p;
  }

  /** Frees every backend. */
  async dispose(): Promise<void> {
    const nets = [...this.nets.values()];
    this.nets.clear();
    for (const n of nets) await n.then((x) => x.backend.dispose(), () => undefined);
  }
}
