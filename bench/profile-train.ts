/**
 * Where the onnxruntime training step of the full C3D spends its time: runs the training graph with
 * onnxruntime's profiler on (warm-up steps, then one profiled step) and prints the time per layer
 * and per op type, largest first. A tool for working on the graph (src/train/onnx/graph.ts), not a
 * benchmark: the profiler adds a little overhead; bench:train gives the step's speed.
 *
 *   node dist/bench/profile-train.js [--batch 2] [--threads 2] [--warmup 1] [--top 25] [--ftz (denormals as zero)] [--chunk-mib 8] [--no-pool2d] [--winograd auto|all|none] [--winograd-tile 4|2]
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { getModel } from '../src/models/index.js';
import { initParams, syntheticClips } from '../src/nn/index.js';
import { buildTrainGraph, TRAIN_NAMES } from '../src/train/onnx/graph.js';
import { benchFlags } from './flags.js';

interface ProfileEvent {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string };
}

async function main(): Promise<void> {
  const { has, value } = benchFlags(process.argv.slice(2));
  const batch = Number(value('--batch') ?? 2);
  const threads = Number(value('--threads') ?? 2);
  const warmup = Number(value('--warmup') ?? 1);
  const top = Number(value('--top') ?? 25);
  const spec = getModel('c3d-sports1m', { classes: 101 });
  const chunk = value('--chunk-mib');
  const graph = buildTrainGraph(spec, { ...(chunk ? { chunkBytes: Number(chunk) * 2 ** 20 } : {}), pool2d: !has('--no-pool2d'), winograd: (value('--winograd') ?? 'auto') as 'auto', winogradTile: Number(value('--winograd-tile') ?? 4) as 4 });
  const dir = mkdtempSync(join(tmpdir(), 'c3d-profile-'));
  const prefix = join(dir, 'train');
  const session = await ort.InferenceSession.create(graph.bytes, {
    executionProviders: ['cpu'], graphOptimizationLevel: (value('--opt') ?? 'all') as 'all', intraOpNumThreads: threads, interOpNumThreads: 1,
    executionMode: 'sequential', enableCpuMemArena: has('--arena'), logSeverityLevel: 3, enableProfiling: true, profileFilePrefix: prefix,
    extra: { session: { ...(has('--ftz') ? { set_denormal_as_zero: '1' } : {}), ...(has('--no-spin') ? { 'intra_op.allow_spinning': '0' } : {}) } },
  });
  const params = initParams(spec, { seed: 1 });
  const clips = syntheticClips(spec, batch, 1);
  const feeds: Record<string, ort.Tensor> = {};
  for (const p of graph.params) {
    const t = params.get(p)!;
    feeds[p] = new ort.Tensor('float32', t.data, [...t.shape]);
  }
  feeds[TRAIN_NAMES.clips] = new ort.Tensor('float32', clips.data, [...clips.shape]);
  feeds[TRAIN_NAMES.labels] = new ort.Tensor('int64', BigInt64Array.from({ length: batch }, (_, i) => BigInt(i % 101)), [batch]);
  for (const m of graph.masks) feeds[m.input] = new ort.Tensor('float32', new Float32Array(batch * m.shape.reduce((a, b) => a * b, 1)).fill(2), [batch, ...m.shape]);
  const walls: number[] = [];
  for (let i = 0; i <= warmup; i++) {
    const t = performance.now();
    await session.run(feeds);
    walls.push((performance.now() - t) / 1000);
  }
  session.endProfiling();
  await session.release();
  const file = readdirSync(dir).find((f) => f.endsWith('.json'));
  if (!file) throw new Error(`onnxruntime wrote no profile into ${dir}`);
  const events = JSON.parse(readFileSync(join(dir, file), 'utf8')) as ProfileEvent[];
  rmSync(dir, { recursive: true, force: true });
  // Node events of the last run only: each run is one "model_run" event; keep nodes after the last one's start.
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run');
  const lastRun = runs.at(-1) as (ProfileEvent & { ts: number }) | undefined;
  const nodes = (events as Array<ProfileEvent & { ts: number }>).filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time') && (!lastRun || e.ts >= lastRun.ts));
  const byLayer = new Map<string, number>();
  const byOp = new Map<string, number>();
  const byNode = new Map<string, number>();
  let total = 0;
  for (const e of nodes) {
    const node = e.name.replace(/_kernel_time$/, '');
    const layer = node.split(':')[0]!.split('.')[0]!;
    const op = e.args?.op_name ?? '?';
    byLayer.set(layer, (byLayer.get(layer) ?? 0) + e.dur);
    byOp.set(op, (byOp.get(op) ?? 0) + e.dur);
    byNode.set(`${node} (${op})`, (byNode.get(`${node} (${op})`) ?? 0) + e.dur);
    total += e.dur;
  }
  const show = (title: string, m: Map<string, number>, n: number, of = total) => {
    console.log(`\n${title}`);
    for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`  ${(us / 1e6).toFixed(3).padStart(7)} s  ${((100 * us) / of).toFixed(1).padStart(5)}%  ${k}`);
  };
  console.log(`C3D training graph, batch ${batch}, ${threads} threads: run walls ${walls.map((w) => w.toFixed(2)).join(', ')} s; profiled node time ${(total / 1e6).toFixed(2)} s`);
  // Time between nodes (the executor's own work: releasing the inputs a node was the last to read,
  // allocating, dispatching), charged to the node just before each gap.
  const sorted = [...nodes].sort((a, b) => a.ts - b.ts);
  const gaps = new Map<string, number>();
  let gapTotal = 0;
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const gap = Math.max(0, sorted[i]!.ts - (prev.ts + prev.dur));
    const key = `after ${prev.args?.op_name ?? '?'}`;
    gaps.set(key, (gaps.get(key) ?? 0) + gap);
    gapTotal += gap;
  }
  if (lastRun && sorted.length) {
    const run = lastRun as ProfileEvent & { ts: number };
    const last = sorted.at(-1)!;
    console.log(`run ${(run.dur / 1e6).toFixed(3)} s: ${nodes.length} nodes ${(total / 1e6).toFixed(3)} s, between nodes ${(gapTotal / 1e6).toFixed(3)} s, before the first ${((sorted[0]!.ts - run.ts) / 1e6).toFixed(3)} s, after the last ${((run.ts + run.dur - last.ts - last.dur) / 1e6).toFixed(3)} s`);
  }
  show('between nodes, by the op before (% of the time between nodes)', gaps, Math.min(top, 10), gapTotal);
  show('per layer', byLayer, top);
  show('per op type', byOp, top);
  show('per node', byNode, top);
}

main().catch((e: unknown) => {
  console.error((e as Error).message);
  process.exitCode = 1;
});
