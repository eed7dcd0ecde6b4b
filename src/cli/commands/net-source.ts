/**
 * The net of `c3d visualize` and `c3d runtime`: weights from `--weights FILE` (with the shared weights
 * and model flags, as `c3d extract`), or random ones from `--init caffe|synthetic [--seed N]` (as
 * `c3d export-onnx`) on `--model` — for trying the tools, docs and timings without a weights file.
 */
import { UsageError } from '../command.js';
import { weightsFlags } from '../flags/weights-flags.js';
import { backendFromFlags, modelOptionsFromFlags, specFromFlags } from '../flags/model-flags.js';
import { createBackend, type BackendName } from '../../runtime/index.js';
import type { Backend } from '../../runtime/backend.js';
import { loadNet } from '../../features/net.js';
import { BGR_NO_MEAN, type PixelConvention } from '../../features/convention.js';
import { initParams, syntheticParams } from '../../nn/index.js';
import type { NetSpec } from '../../models/index.js';
import type { Tensor } from '../../tensor/tensor.js';
import { calibrateFromVideos, precisionFromFlags } from '../flags/precision-flags.js';

export const NET_SOURCE_USAGE = `  --weights FILE       .caffemodel, .pt/.pth/.pickle, .safetensors or .onnx; 'demo': the bundled demo net
  --init KIND          random weights instead: caffe (Caffe's initialisation) or synthetic (the test
                       suite's hash weights), on --model (input convention BGR, no mean)
  --seed N             seed for --init (default 1)`;

export const NET_SOURCE_OPTIONS = {
  weights: { type: 'string' },
  init: { type: 'string' },
  seed: { type: 'string' },
} as const;

export interface NetSource {
  spec: NetSpec;
  params: Map<string, Tensor>;
  convention: PixelConvention;
  /** One line for stderr: the input convention and where it comes from. */
  conventionLine: string;
  classes?: string[];
  /** The weights file, or "--init KIND --seed N". */
  source: string;
  /** A backend built on the first name asked for (undefined when none was asked). */
  backend?: Backend;
}

type Values = {
  weights?: string; init?: string; seed?: string; map?: string; model?: string; spec?: string; channels?: string; mean?: string;
  classes?: string; width?: string; size?: string; length?: string; threads?: string; ep?: string;
  precision?: string; 'calibrate-clips'?: string; ffmpeg?: string;
};

/**
 * Loads (or draws) the weights, and builds a backend of kind `backend` on them unless it is null;
 * with --precision int8 --calibrate-clips N, calibrated on the first clips of `calibration.videos`.
 */
export async function netSourceFromFlags(values: Values, backend: BackendName | null, calibration?: { videos: readonly string[]; stride: number; fps?: number }): Promise<NetSource> {
  const b = backendFromFlags({ backend: backend ?? undefined, threads: values.threads, ep: values.ep });
  const backendOpts = { backend: b.backend, threads: b.threads, executionProviders: b.executionProviders };
  const p = precisionFromFlags(values);
  const calibrate = p.calibrateClips !== undefined && calibration
    ? calibrateFromVideos(calibration.videos, p.calibrateClips, calibration.stride, { ffmpeg: values.ffmpeg, fps: calibration.fps })
    : undefined;
  if (values.init !== undefined) {
    if (values.weights !== undefined) throw new UsageError('give --weights FILE or --init KIND, not both');
    if (values.init !== 'caffe' && values.init !== 'synthetic') throw new UsageError(`--init must be caffe or synthetic, got '${values.init}'`);
    const seed = values.seed === undefined ? 1 : Number(values.seed);
    if (!Number.isSafeInteger(seed) || seed < 0) throw new UsageError(`--seed must be a non-negative integer, got '${values.seed}'`);
    const spec = specFromFlags(values);
    const params = values.init === 'caffe' ? initParams(spec, { seed }) : syntheticParams(spec, seed);
    const source = `--init ${values.init} --seed ${seed}`;
    const net: NetSource = { spec, params, convention: BGR_NO_MEAN, conventionLine: `BGR, no mean (random weights, ${source})`, source };
    if (backend !== null) {
      const cal = p.precision === 'int8' && calibrate && b.backend !== 'wasm' ? await calibrate(spec, BGR_NO_MEAN) : undefined;
      if (cal) net.conventionLine += `; int8 calibrated now on ${cal.clips.shape[0]} clips (${cal.source})`;
      net.backend = await createBackend({ ...backendOpts, spec, params, precision: p.precision, calibration: cal });
    }
    return net;
  }
  if (!values.weights) throw new UsageError('--weights FILE is required (or --init caffe|synthetic for random weights)');
  const flags = weightsFlags(values);
  const loaded = await loadNet({
    weights: values.weights,
    load: flags.load,
    model: flags.model === 'none' ? undefined : flags.model,
    modelOptions: modelOptionsFromFlags(values),
    backend: backendOpts,
    keepParams: true,
    precision: p.precision,
    calibrate,
  });
  const net: NetSource = {
    spec: loaded.spec, params: loaded.params!, convention: loaded.convention, conventionLine: loaded.conventionLine,
    classes: loaded.classes, source: values.weights,
  };
  // loadNet always builds a backend; hand it back only when one was asked for.
  if (backend !== null) net.backend = loaded.backend;
  else await loaded.backend.dispose();
  return net;
}
