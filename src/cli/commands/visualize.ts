/** `c3d visualize`: what a feature map responds to (paper fig. 4, app. B), or Grad-CAM tubes (thin layer over src/viz). */
import { basename, extname } from 'node:path';
import { parseCommandArgs, UsageError, type Command } from '../command.js';
import { WEIGHTS_FLAGS_USAGE, WEIGHTS_OPTIONS } from '../flags/weights-flags.js';
import { BACKEND_FLAGS_USAGE, BACKEND_OPTIONS, MODEL_FLAGS_USAGE, MODEL_OPTIONS, backendFromFlags } from '../flags/model-flags.js';
import { readNpy } from '../../io/npy.js';
import { Tensor } from '../../tensor/tensor.js';
import { expandInputs } from '../../features/inputs.js';
import { startDecoders } from '../../features/decoder-pool.js';
import { SPORTS1M_LABELS } from '../../features/sports1m-labels.js';
import { Net } from '../../nn/net.js';
import { createFastKernels } from '../../kernels/fast/index.js';
import { blobShape, projectableBlobs, PROJECTION_METHODS } from '../../viz/deconv.js';
import { visualize, type MapSelection, type VisualizeInput, type VisualizeMethod } from '../../viz/visualize.js';
import { writeVisualization } from '../../viz/visualize-output.js';
import type { DisplayNormalization } from '../../viz/clip-frames.js';
import { NET_SOURCE_OPTIONS, NET_SOURCE_USAGE, netSourceFromFlags } from './net-source.js';
import { positiveInt } from '../flags/numbers.js';
import { nounFor, plural } from '../plural.js';

const usage = `usage: c3d visualize INPUT... (--weights FILE | --init KIND) --out DIR [options]
       c3d visualize --clips FILE.npy (--weights FILE | --init KIND) --out DIR [options]

Scans every clip of the inputs (videos, folders, globs, --list FILE: as 'c3d extract'), keeps for each
chosen feature map the K clips that fire most strongly for it (the strongest position in each clip),
and projects each kept activation back to the 16 input frames: max-unpooling through the recorded
pool switches and transposed 3D convolution with the same filters, biases left out, one activation
kept and the rest of the layer zeroed.
What
  --layer L            conv or pool blob: conv2a, conv3b, conv5b, pool5… (default: the last conv)
  --maps LIST|top:N    feature maps, e.g. 0,5,17, or top:N = the N most active over the inputs
                       (highest mean of the map's per-clip maximum; default top:4)
  --top K              clips kept per map, strongest first (Grad-CAM: clips in all; default 4)
  --method M           how the signal crosses each ReLU on the way down: deconvnet (default, Zeiler &
                       Fergus, the paper's: max(R, 0)), guided (max(R, 0)·[f > 0]), gradient
                       (R·[f > 0]); or gradcam: Grad-CAM saliency tubes of a class at --layer
  --class NAME|I       Grad-CAM: the class explained (default: the top class over all clips)
Output (DIR)
  LAYER_mapM_RR.png    per kept activation: the projected frames above the cropped input frames
  LAYER_mapM_RR.gif    the same, animated (projection above input)
  LAYER_mapM_grid.png  per map, all its kept clips (as the paper's appendix B), half size
  gradcam_RR.png/.gif  Grad-CAM: the tube over the frames (viridis, alpha 0.5) above the frames
  index.json           every row: video, clip start frame, layer, map, position (t, y, x), value, files
  --save-npy           also DIR/projections.npy: K × 3 × L × H × W float32 (Grad-CAM: K × 1 × …), rows
                       in index.json's order
  --normalize clip|frame  display scaling: pixel = 128 + 127·clamp(v / s, −1, 1), s = the 99.5th
                       percentile of |v| over the whole clip (default) or over each frame
  --no-gif, --no-grid  skip those files
Input
  --clips FILE.npy     preprocessed clips (N×3×L×H×W float32, as 'c3d extract --clips' takes them)
  --stride N           frames between clip starts (default 8)
  --fps N, --ffmpeg PATH, --jobs N, --batch N, --list FILE   as for 'c3d extract'
Weights and net
${NET_SOURCE_USAGE}
${WEIGHTS_FLAGS_USAGE}
${MODEL_FLAGS_USAGE}
${BACKEND_FLAGS_USAGE}
                       (--backend runs the scan; projections run on our WebAssembly kernels)

Example: c3d visualize videos/ --weights c3d-sports1m.safetensors --mean sport1m_train16_128_mean.binaryproto \\
           --layer conv5b --maps top:3 --top 4 --out viz/`;

const OPTIONS = {
  ...WEIGHTS_OPTIONS,
  ...MODEL_OPTIONS,
  ...BACKEND_OPTIONS,
  ...NET_SOURCE_OPTIONS,
  out: { type: 'string' },
  layer: { type: 'string' },
  maps: { type: 'string' },
  top: { type: 'string' },
  method: { type: 'string' },
  class: { type: 'string' },
  normalize: { type: 'string' },
  'save-npy': { type: 'boolean' },
  'no-gif': { type: 'boolean' },
  'no-grid': { type: 'boolean' },
  clips: { type: 'string' },
  stride: { type: 'string' },
  fps: { type: 'string' },
  ffmpeg: { type: 'string' },
  jobs: { type: 'string' },
  batch: { type: 'string' },
  list: { type: 'string', multiple: true },
} as const;


/** `0,5,17` or `top:N`. */
export function parseMaps(v: string | undefined): MapSelection | undefined {
  if (v === undefined) return undefined;
  const top = /^top:(\d+)$/.exec(v.trim());
  if (top) {
    const n = Number(top[1]);
    if (n < 1) throw new UsageError(`--maps top:N needs N ≥ 1, got '${v}'`);
    return { top: n };
  }
  const parts = v.split(',').map((s) => s.trim());
  if (parts.length === 0 || parts.some((s) => !/^\d+$/.test(s))) throw new UsageError(`--maps must be a comma-separated list of map indices or top:N, got '${v}'`);
  return [...new Set(parts.map(Number))];
}

/** A class given by name (the weights' class names, or Sports-1M's for a 487-way net) or index. */
function parseClass(v: string, names: readonly string[] | undefined, count: number): number {
  if (/^\d+$/.test(v)) {
    const k = Number(v);
    if (k >= count) throw new UsageError(`--class ${v} is out of range: the net has ${plural(count, 'class')} (0…${count - 1})`);
    return k;
  }
  const k = names?.findIndex((n) => n.toLowerCase() === v.toLowerCase()) ?? -1;
  if (k < 0) {
    const hint = names ? `known: ${names.slice(0, 8).join(', ')}${names.length > 8 ? `, … (${names.length} in all)` : ''}` : 'the weights record no class names: give an index';
    throw new UsageError(`--class '${v}' is not a class of this net (${hint})`);
  }
  return k;
}

export const visualizeCommand: Command = {
  name: 'visualize',
  summary: 'project the top activations of a feature map back to the frames (deconvnet, guided, gradient) or Grad-CAM tubes',
  usage,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS);
    if (!values.out) throw new UsageError('--out DIR is required');
    const method = (values.method ?? 'deconvnet') as VisualizeMethod;
    if (![...PROJECTION_METHODS, 'gradcam'].includes(method)) throw new UsageError(`--method must be deconvnet, guided, gradient or gradcam, got '${values.method}'`);
    const normalize = (values.normalize ?? 'clip') as DisplayNormalization;
    if (normalize !== 'clip' && normalize !== 'frame') throw new UsageError(`--normalize must be clip or frame, got '${values.normalize}'`);
    const maps = parseMaps(values.maps);
    if (method === 'gradcam' && maps) throw new UsageError('--maps applies to projections, not to --method gradcam');
    if (method !== 'gradcam' && values.class !== undefined) throw new UsageError('--class applies to --method gradcam only');
    const top = positiveInt('top', values.top, 4);
    const stride = positiveInt('stride', values.stride, 8);
    const jobs = positiveInt('jobs', values.jobs, 2);
    const batchSize = positiveInt('batch', values.batch, 4);
    const fps = values.fps === undefined ? undefined : Number(values.fps);
    if (fps !== undefined && !(fps > 0 && Number.isFinite(fps))) throw new UsageError(`--fps must be a positive number, got '${values.fps}'`);
    if (values.clips && (positionals.length > 0 || values.list)) throw new UsageError('give videos or --clips FILE.npy, not both');
    if (!values.clips && positionals.length === 0 && !values.list) throw new UsageError('no inputs (give videos, folders, globs, --list FILE or --clips FILE.npy)');
    const videos = values.clips ? [] : expandInputs(positionals, values.list ?? []);
    if (!values.clips && videos.length === 0) throw new UsageError(`no videos found in ${positionals.join(', ')}`);
    const threads = backendFromFlags(values).threads;

    if (videos.length > 0) await startDecoders(Math.min(jobs, videos.length));
    const src = await netSourceFromFlags(values, backendFromFlags(values).backend);
    const scan = src.backend!;
    const kernels = await createFastKernels(threads === undefined ? {} : { threads });
    try {
      const layer = values.layer ?? projectableBlobs(src.spec).filter((n) => src.spec.layers.some((l) => l.name === n && l.type === 'conv3d')).at(-1);
      if (!layer) throw new UsageError(`${src.spec.name} has no conv layer to visualise`);
      let shape;
      try {
        shape = blobShape(src.spec, layer);
      } catch (e) {
        throw new UsageError(`--layer: ${(e as Error).message}`);
      }
      if (maps && !('top' in maps)) {
        const bad = maps.find((m) => m >= shape[0]);
        if (bad !== undefined) throw new UsageError(`--maps: map ${bad} is out of range: ${layer} has ${plural(shape[0]!, 'feature map')} (0…${shape[0] - 1})`);
      }
      const classCount = (src.spec.layers.filter((l) => l.type === 'fc').at(-1) as { out: number } | undefined)?.out ?? 0;
      const classNames = src.classes ?? (classCount === SPORTS1M_LABELS.length ? SPORTS1M_LABELS : undefined);
      const classIndex = values.class === undefined ? undefined : parseClass(values.class, classNames, classCount);

      let input: VisualizeInput;
      if (values.clips) {
        const a = readNpy(values.clips);
        const want = src.spec.input;
        if (a.dtype !== 'float32' || a.shape.length !== 5 || a.shape.slice(1).some((d, i) => d !== want[i]) || a.shape[0] === 0) {
          throw new Error(`${values.clips}: expected float32 clips of shape (N, ${want.join(', ')}), got ${a.dtype} (${a.shape.join(', ')})`);
        }
        input = { clips: new Tensor(a.shape, a.data as Float32Array), name: basename(values.clips, extname(values.clips)) };
      } else {
        input = { videos, decode: { ffmpeg: values.ffmpeg, fps }, stride, jobs };
      }
      process.stderr.write(
        `c3d visualize: ${src.conventionLine}; ${src.spec.name}; ${method === 'gradcam' ? 'Grad-CAM' : `${method} projections`} at ${layer} (${shape.join('×')})\n`,
      );
      const net = new Net(src.spec, src.params, kernels);
      const result = await visualize({
        net, input, convention: src.convention, layer, method, maps, top, classIndex, scan, batchSize,
        onProgress: (m) => process.stderr.write(`c3d visualize: ${m}\n`),
      });
      const written = writeVisualization(result, values.out, {
        convention: src.convention, normalize, gif: !values['no-gif'], grid: !values['no-grid'], saveNpy: values['save-npy'],
        classNames, source: src.source,
      });
      const what = method === 'gradcam'
        ? `Grad-CAM of class ${result.rows[0]?.classIndex}${classNames?.[result.rows[0]?.classIndex ?? -1] ? ` (${classNames[result.rows[0]!.classIndex!]})` : ''} for ${plural(result.rows.length, 'clip')}`
        : `${plural(result.rows.length, 'projection')} of ${layer} ${nounFor(result.maps.length, 'map')} ${result.maps.join(', ')}`;
      process.stdout.write(`${what} from ${plural(result.scannedClips, 'clip')} → ${values.out} (${plural(written.files.length, 'file')}, ${written.index})\n`);
      for (const f of result.failed) process.stderr.write(`failed: ${f.error.includes(f.video) ? f.error : `${f.video}: ${f.error}`}\n`);
      return result.failed.length > 0 ? 1 : 0;
    } finally {
      await scan.dispose();
      await kernels.dispose();
    }
  },
};
