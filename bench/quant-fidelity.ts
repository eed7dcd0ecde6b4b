/**
 * `npm run bench:quant` — fidelity of int8 extraction (src/quant, docs/int8.md) against fp32 on real
 * videos no one here made: OpenCV's samples from Debian's opencv-doc (`apt-get install opencv-doc`).
 *
 * Calibration and evaluation use different clips: calibration on tree.avi and the first half of
 * vtest.avi, evaluation on Megamind.avi and the second half of vtest.avi (Megamind_bugy.avi, a damaged
 * copy of Megamind.avi, is not used). Nets: full C3D (c3d-sports1m) with random weights in Caffe's
 * initialisation and PyTorch's, and the trained demo net (`--weights demo`) on a fresh small synthetic
 * data set (c3d synth, other seed than its training set), calibrated on its train videos.
 *
 * Per net and calibration method: per-clip fc6 centred relative error ‖int8 − fp32‖ / ‖fp32 − mean
 * over clips of fp32‖ (mean and worst clip; goal ≤ 0.10), the plain relative error, and the cosine of
 * int8 vs fp32 video descriptors (mean fc6 over clips, L2). Demo net: video-level test accuracy (mean
 * prob over clips) and the linear SVM on fc6 descriptors (demo's protocol), int8 vs fp32.
 * Writes docs/benchmarks.md "## int8 extraction" unless --no-write. --quick: few clips, one method.
 * Timings are not taken here (bench/c3d.ts has the int8 speed rows).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getModel, type NetSpec } from '../src/models/index.js';
import { initParams } from '../src/nn/params.js';
import { initWeights } from '../src/train/init.js';
import { loadWeights } from '../src/io/weights.js';
import { Tensor } from '../src/tensor/tensor.js';
import { createBackend, type Backend } from '../src/runtime/index.js';
import { quantizeNet, type QuantizeOptions } from '../src/quant/index.js';
import { resolveConvention, type PixelConvention } from '../src/features/convention.js';
import { geometryForCrop } from '../src/features/geometry.js';
import { ClipAssembler } from '../src/features/clips.js';
import { clipToInput, FramePreparer } from '../src/features/preprocess.js';
import { runExtractJob } from '../src/features/job.js';
import { openVideo } from '../src/video/decode.js';
import { generateSynthDataset } from '../src/synth/dataset.js';
import { DEMO_RECIPE } from '../src/demo/demo.js';
import { readUcf101Split } from '../src/eval/protocols/ucf101.js';
import { runProtocol } from '../src/eval/protocols/run.js';
import { readNpy } from '../src/io/npy.js';
import { writeDocSection } from './doc-section.js';

const DATA = '/usr/share/doc/opencv-doc/examples/data';
const quick = process.argv.includes('--quick');
const write = !process.argv.includes('--no-write');

type Method = Pick<QuantizeOptions, 'method' | 'percentile' | 'keepFp32'> & { label: string };
const METHODS: Method[] = quick
  ? [{ label: 'min/max', method: 'minmax' }]
  : [
      { label: 'min/max', method: 'minmax' },
      { label: 'percentile 99.99', method: 'percentile', percentile: 99.99 },
      { label: 'percentile 99.999', method: 'percentile', percentile: 99.999 },
      // The last convs carry the least clip-dependent signal relative to their values (Caffe init); 3.6% of the MACs.
      { label: 'percentile 99.999, conv5a/b fp32', method: 'percentile', percentile: 99.999, keepFp32: ['conv5a', 'conv5b'] },
    ];

/** Up to `count` clips of `path` starting at frame `from`, `stride` frames apart, preprocessed as extraction does. */
async function readClips(path: string, spec: NetSpec, conv: PixelConvention, o: { from: number; count: number; stride: number }): Promise<Float32Array[]> {
  const [, L, H] = spec.input;
  const geometry = geometryForCrop(H);
  const prep = new FramePreparer(geometry);
  const assembler = new ClipAssembler<Uint8Array>({ clipLength: L, stride: o.stride });
  const out: Float32Array[] = [];
  const reader = await openVideo(path);
  try {
    let i = 0;
    for await (const frame of reader) {
      if (i++ < o.from) continue;
      for (const clip of assembler.push(prep.prepare(frame))) {
        const x = new Float32Array(3 * L * H * H);
        clipToInput(clip, conv, x, 0, geometry);
        if (out.length < o.count) out.push(x);
      }
      if (out.length >= o.count) break;
    }
  } finally {
    reader.close();
  }
  return out;
}

function stack(clips: Float32Array[], spec: NetSpec): Tensor {
  const per = clips[0]!.length;
  const data = new Float32Array(clips.length * per);
  clips.forEach((c, i) => data.set(c, i * per));
  return new Tensor([clips.length, ...spec.input], data);
}

async function fc6Of(backend: Backend, clips: Tensor, batch = 2): Promise<Float32Array[]> {
  const n = clips.shape[0]!;
  const per = clips.size / n;
  const rows: Float32Array[] = [];
  for (let s = 0; s < n; s += batch) {
    const m = Math.min(batch, n - s);
    const t = (await backend.run(new Tensor([m, ...clips.shape.slice(1)], clips.data.subarray(s * per, (s + m) * per)), ['fc6'])).get('fc6')!;
    const dim = t.size / m;
    for (let i = 0; i < m; i++) rows.push(t.data.slice(i * dim, (i + 1) * dim));
  }
  return rows;
}

function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
}

/** Centred and plain per-clip relative errors of int8 rows vs fp32 rows. */
function clipErrors(q: Float32Array[], f: Float32Array[]): { centredMean: number; centredMax: number; plainMax: number; spread: number } {
  const dim = f[0]!.length;
  const mean = new Float64Array(dim);
  for (const r of f) for (let j = 0; j < dim; j++) mean[j]! += r[j]! / f.length;
  const centred: number[] = [];
  const plain: number[] = [];
  const spread: number[] = [];
  f.forEach((r, i) => {
    let num = 0;
    let den = 0;
    for (let j = 0; j < dim; j++) {
      num += (q[i]![j]! - r[j]!) ** 2;
      den += (r[j]! - mean[j]!) ** 2;
    }
    centred.push(Math.sqrt(num / den));
    plain.push(Math.sqrt(num) / norm(r));
    spread.push(Math.sqrt(den) / norm(r));
  });
  const avg = (a: number[]): number => a.reduce((x, y) => x + y, 0) / a.length;
  return { centredMean: avg(centred), centredMax: Math.max(...centred), plainMax: Math.max(...plain), spread: avg(spread) };
}

/** Cosine of the int8 and fp32 video descriptors (mean of the video's clip rows, L2-normalised). */
function descriptorCosine(q: Float32Array[], f: Float32Array[]): number {
  const dim = f[0]!.length;
  const a = new Float64Array(dim);
  const b = new Float64Array(dim);
  for (let i = 0; i < f.length; i++) for (let j = 0; j < dim; j++) {
    a[j]! += q[i]![j]!;
    b[j]! += f[i]![j]!;
  }
  let dot = 0;
  for (let j = 0; j < dim; j++) dot += a[j]! * b[j]!;
  return dot / (norm(a) * norm(b));
}

interface Row {
  net: string;
  method: string;
  centredMean: number;
  centredMax: number;
  plainMax: number;
  /** ‖fp32 − mean over clips‖ / ‖fp32‖: how much of fc6 depends on the clip at all. */
  spread: number;
  cosine: number;
  extra?: string;
}

async function randomNet(name: string, spec: NetSpec, params: Map<string, Tensor>, rows: Row[]): Promise<void> {
  // Random weights know no convention: BGR minus a typical per-channel mean keeps the input centred.
  const conv: PixelConvention = { channels: 'bgr', mean: { kind: 'pixel', bgr: [90, 98, 102] } };
  const n = quick ? 2 : 8;
  const calib = stack([
    ...(await readClips(join(DATA, 'tree.avi'), spec, conv, { from: 0, count: n, stride: 4 })),
    ...(await readClips(join(DATA, 'vtest.avi'), spec, conv, { from: 0, count: n, stride: 40 })),
  ], spec);
  const evalVideos = [
    { id: 'Megamind.avi', clips: await readClips(join(DATA, 'Megamind.avi'), spec, conv, { from: 0, count: quick ? 2 : 12, stride: 20 }) },
    { id: 'vtest.avi (2nd half)', clips: await readClips(join(DATA, 'vtest.avi'), spec, conv, { from: 400, count: quick ? 2 : 12, stride: 30 }) },
  ];
  const fp32 = await createBackend({ spec, params });
  const ref = new Map<string, Float32Array[]>();
  for (const v of evalVideos) ref.set(v.id, await fc6Of(fp32, stack(v.clips, spec)));
  await fp32.dispose();
  for (const m of METHODS) {
    process.stderr.write(`bench:quant: ${name}, ${m.label}: calibrating on ${calib.shape[0]} clips…\n`);
    const q = await quantizeNet(spec, params, calib, m);
    const int8 = await createBackend({ spec, params, precision: 'int8', int8Model: q.bytes });
    const got = new Map<string, Float32Array[]>();
    for (const v of evalVideos) got.set(v.id, await fc6Of(int8, stack(v.clips, spec)));
    await int8.dispose();
    const all = (mp: Map<string, Float32Array[]>): Float32Array[] => evalVideos.flatMap((v) => mp.get(v.id)!);
    const e = clipErrors(all(got), all(ref));
    const cosine = Math.min(...evalVideos.map((v) => descriptorCosine(got.get(v.id)!, ref.get(v.id)!)));
    rows.push({ net: name, method: m.label, ...e, cosine });
    process.stderr.write(`bench:quant:   fc6 centred error mean ${e.centredMean.toFixed(4)}, worst ${e.centredMax.toFixed(4)}; descriptor cosine ≥ ${cosine.toFixed(6)}\n`);
  }
}

async function demoNet(rows: Row[], work: string): Promise<void> {
  const ws = await loadWeights('demo');
  const spec = ws.specDef!;
  const conv = resolveConvention(ws.convention!);
  const data = join(work, 'synth');
  const r = DEMO_RECIPE;
  process.stderr.write('bench:quant: demo net: generating a small synthetic data set…\n');
  await generateSynthDataset({ out: data, classes: r.classes, videos: quick ? 4 : 40, frames: r.frames, width: r.width, height: r.height, seed: 7 });
  const split = readUcf101Split(data, 1);
  const pathOf = (part: 'train' | 'test', i: number): string => join(data, split[part].labels[i]!, `${split[part].ids[i]}.mp4`);
  // Calibration: clips of the train videos only (every 4th video, 2 clips each).
  const calibClips: Float32Array[] = [];
  for (let i = 0; i < split.train.ids.length; i += 4) calibClips.push(...(await readClips(pathOf('train', i), spec, conv, { from: 0, count: 2, stride: 8 })));
  const inputs = [...split.train.ids.map((id, i) => ({ id, path: pathOf('train', i) })), ...split.test.ids.map((id, i) => ({ id, path: pathOf('test', i) }))];
  const classNames = [...new Set(split.train.labels)].sort();
  const results: Record<string, { acc: number; svm: number; fc6: Map<string, Float32Array[]> }> = {};
  // Variants that keep C3D's conv5a/b in fp32 have no such layers here.
  const methods = METHODS.filter((m) => (m.keepFp32 ?? []).every((k) => spec.layers.some((l) => l.name === k)));
  for (const [label, m] of [['fp32', undefined], ...methods.map((x) => [x.label, x] as const)] as const) {
    const backend = m
      ? await createBackend({ spec, params: ws.params, precision: 'int8', int8Model: (await quantizeNet(spec, ws.params, stack(calibClips, spec), m)).bytes })
      : await createBackend({ spec, params: ws.params });
    const dir = join(work, `demo-${label.replace(/[^a-z0-9]+/gi, '_')}`);
    const descDir = join(dir, 'fc6');
    const job = { format: 'npy' as const, convention: conv, clips: { clipLength: spec.input[1], stride: 8 }, geometry: geometryForCrop(spec.input[2]), overwrite: true };
    try {
      await runExtractJob(inputs, backend, { ...job, outDir: dir, mode: 'clips', layers: ['fc6', 'prob'] });
      await runExtractJob(inputs, backend, { ...job, outDir: descDir, mode: 'video', layers: ['fc6'] });
    } finally {
      await backend.dispose();
    }
    const rowsOf = (id: string, layer: string): Float32Array[] => {
      const a = readNpy(join(dir, `${id}.${layer}.npy`));
      const [n, d] = a.shape as [number, number];
      return Array.from({ length: n }, (_, i) => (a.data as Float32Array).slice(i * d, (i + 1) * d));
    };
    // Video-level test accuracy: argmax of the mean clip probabilities, as `c3d test` does.
    let correct = 0;
    split.test.ids.forEach((id, i) => {
      const p = rowsOf(id, 'prob');
      const mean = p[0]!.map((_, k) => p.reduce((s, row) => s + row[k]!, 0));
      const best = mean.indexOf(Math.max(...mean));
      if ((ws.classes ?? classNames)[best] === split.test.labels[i]) correct++;
    });
    // Linear SVM on the fc6 video descriptors (mean over clips, L2), demo's protocol.
    const svm = runProtocol([split], [descDir]).mean;
    const fc6 = new Map(split.test.ids.map((id) => [id, rowsOf(id, 'fc6')]));
    results[label] = { acc: correct / split.test.ids.length, svm, fc6 };
  }
  const ref = results.fp32!;
  for (const m of methods) {
    const got = results[m.label]!;
    const ids = split.test.ids;
    const e = clipErrors(ids.flatMap((id) => got.fc6.get(id)!), ids.flatMap((id) => ref.fc6.get(id)!));
    const cosine = Math.min(...ids.map((id) => descriptorCosine(got.fc6.get(id)!, ref.fc6.get(id)!)));
    const extra = `test acc ${(100 * got.acc).toFixed(1)}% (fp32 ${(100 * ref.acc).toFixed(1)}%), SVM ${(100 * got.svm).toFixed(1)}% (fp32 ${(100 * ref.svm).toFixed(1)}%) on ${ids.length} test videos`;
    rows.push({ net: `demo net (${spec.name})`, method: m.label, ...e, cosine, extra });
    process.stderr.write(`bench:quant: demo, ${m.label}: centred ${e.centredMean.toFixed(4)} / ${e.centredMax.toFixed(4)}; ${extra}\n`);
  }
}

async function main(): Promise<void> {
  for (const f of ['tree.avi', 'vtest.avi', 'Megamind.avi']) {
    if (!existsSync(join(DATA, f))) {
      process.stderr.write(`bench:quant: ${join(DATA, f)} is missing: install Debian's OpenCV samples (apt-get install opencv-doc)\n`);
      process.exit(1);
    }
  }
  const rows: Row[] = [];
  const work = mkdtempSync(join(tmpdir(), 'c3d-bench-quant-'));
  try {
    const c3d = quick ? getModel('c3d-sports1m', { width: 0.25 }) : getModel('c3d-sports1m');
    await randomNet(`${c3d.name}, Caffe init`, c3d, initParams(c3d, { seed: 1 }), rows);
    await randomNet(`${c3d.name}, PyTorch init`, c3d, initWeights(c3d, 'pytorch', 1), rows);
    await demoNet(rows, work);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const table = [
    '| net | calibration | fc6 centred error, mean / worst clip | fc6 plain error, worst | fp32 clip spread ‖f − mean‖/‖f‖ | video descriptor cosine, worst | demo: accuracy int8 (fp32) |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.net} | ${r.method} | ${r.centredMean.toFixed(4)} / ${r.centredMax.toFixed(4)} | ${r.plainMax.toFixed(4)} | ${r.spread.toFixed(4)} | ${r.cosine.toFixed(6)} | ${r.extra ?? ''} |`),
  ].join('\n');
  process.stdout.write(table + '\n');
  if (write && !quick) {
    writeDocSection('## int8 extraction', [
      '## int8 extraction',
      '',
      `\`npm run bench:quant\` (bench/quant-fidelity.ts), ${new Date().toISOString().slice(0, 10)}: int8 convs (src/quant, docs/int8.md) vs fp32 on OpenCV's sample videos (Debian opencv-doc):`,
      'calibrated on tree.avi and the first half of vtest.avi, evaluated on Megamind.avi and the second half of vtest.avi;',
      'the demo net on a fresh synthetic set (c3d synth, seed 7), calibrated on its train videos, evaluated on its test videos.',
      'Centred error: ‖int8 − fp32‖ / ‖fp32 − mean over clips of fp32‖ per clip (goal ≤ 0.10). Speed: the int8 rows of `npm run bench:c3d`.',
      '',
      table,
    ].join('\n'));
    process.stderr.write('bench:quant: wrote docs/benchmarks.md (## int8 extraction)\n');
  }
}

await main();
