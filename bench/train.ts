/**
 * C3D training-step benchmark: clips/s of one full training step — forward + backward + SGD update
 * (momentum 0.9, weight decay 0.005, Caffe multipliers: weights lr ×1 decay ×1, biases lr ×2
 * decay ×0), dropout 0.5 active on fc6/fc7 — of the full C3D (c3d-sports1m) with a 101-way head, at
 * batch 2 and 8, beside PyTorch CPU (tools/bench/torch_train.py, Debian python3-torch, same thread
 * count) in the same run. Each configuration runs in its own child process so its peak RSS is its own.
 * Writes the "C3D training step" section of docs/benchmarks.md (only that section).
 *
 *   npm run bench:train
 *   node dist/bench/train.js --quick            # batch 2, 1 warm-up + 1 timed step, no docs
 *   options: --batch 2,8  --warmup 1  --steps 3,2 (one count, or one per batch size)  --threads N
 *            --backend onnxruntime,wasm (one or several, default onnxruntime)  --lr 0.003  --seed N
 *            --rounds 3 (fresh processes per configuration, ours and PyTorch alternating; 1 with --quick)
 *            --winograd auto|all|none  --winograd-tile 4|2 (the training graph's choices; defaults auto, 4)  --no-torch  --no-write
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { analyzeSpec, countMacs, countParams, getModel } from '../src/models/index.js';
import { initParams, syntheticClips } from '../src/nn/index.js';
import { createTrainStep, TRAIN_BACKENDS, type TrainBackendName } from '../src/train/create-step.js';
import { ParamMemory, tensorsIn } from '../src/train/param-memory.js';
import { dropoutMasks, dropoutSites } from '../src/train/dropout.js';
import { caffeParamRules, createOptimizer, DEFAULT_OPTIMIZER_CONFIG, optimizerBufferCount } from '../src/train/optimizer.js';
import type { OptimizerConfig } from '../src/train/optimizer-api.js';
import { TRAINING_GLIBC_TUNABLES } from '../src/train/malloc-tunables.js';
import { relaunchEnv } from '../src/cli/relaunch.js';
import { benchFlags } from './flags.js';
import { writeDocSection } from './doc-section.js';
import { higherPeak, measurePeak, percentOfPeak } from './peak.js';

const PY = '/usr/bin/python3';
const TORCH_SCRIPT = fileURLToPath(new URL('../../tools/bench/torch_train.py', import.meta.url));
const SECTION = '## C3D training step';
const CLASSES = 101;
const SPEC = getModel('c3d-sports1m', { classes: CLASSES });
const MACS = countMacs(SPEC);
/** forward + input gradient + weight gradient, each ≈ the forward's multiply-adds; 2 FLOP per MAC. */
const FLOP_PER_CLIP = 3 * 2 * MACS;
/** The released UCF101 solver's SGD (facts file): momentum 0.9, weight decay 0.005. */
const SGD: OptimizerConfig = { ...DEFAULT_OPTIMIZER_CONFIG, kind: 'sgd', momentum: 0.9, weightDecay: 0.005 };

interface Result {
  who: string;
  batch: number;
  /** Median step time (s). */
  seconds: number;
  all: number[];
  /** The optimizer-update part of each timed step (s). */
  updateAll: number[];
  losses: number[];
  maxrss: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** "3" → [3, 3, …]; "3,2" → one count per batch size. */
function perBatch(flag: string, text: string, batches: number[]): number[] {
  const xs = text.split(',').map(Number);
  if (xs.some((x) => !Number.isSafeInteger(x) || x < 0) || (xs.length !== 1 && xs.length !== batches.length)) {
    throw new Error(`${flag} must be one count or one per batch size (${batches.length}), got '${text}'`);
  }
  return batches.map((_, i) => xs[xs.length === 1 ? 0 : i]!);
}

function args(argv: string[]) {
  const { has, value } = benchFlags(argv);
  const quick = has('--quick');
  const batches = (value('--batch') ?? (quick ? '2' : '2,8')).split(',').map(Number);
  if (batches.some((b) => !Number.isSafeInteger(b) || b < 1)) throw new Error(`--batch must list positive integers, got '${value('--batch')}'`);
  const backends = (value('--backend') ?? 'onnxruntime').split(',') as TrainBackendName[];
  for (const b of backends) if (!TRAIN_BACKENDS.includes(b)) throw new Error(`--backend must list some of ${TRAIN_BACKENDS.join(', ')}, got '${b}'`);
  const steps = perBatch('--steps', value('--steps') ?? (quick ? '1' : '3,2'), batches);
  if (steps.some((s) => s < 1)) throw new Error('--steps must be at least 1');
  const rounds = Number(value('--rounds') ?? (quick ? 1 : 3));
  if (!Number.isSafeInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer, got '${value('--rounds')}'`);
  return {
    child: has('--child'),
    batches,
    warmup: perBatch('--warmup', value('--warmup') ?? '1', batches),
    steps,
    threads: Number(value('--threads') ?? 2),
    /** The child's backend (a child runs one). */
    backend: backends[0]!,
    backends,
    lr: Number(value('--lr') ?? 0.003),
    seed: Number(value('--seed') ?? 1),
    /** Fresh processes per configuration, ours and PyTorch alternating. */
    rounds,
    /** Training-graph Winograd choice for the onnxruntime child (default: the graph's own, 'auto'). */
    winograd: value('--winograd') as 'auto' | 'all' | 'none' | undefined,
    /** The largest Winograd tile in time for the onnxruntime child (default: the graph's own, 4). */
    winogradTile: value('--winograd-tile') === undefined ? undefined : (Number(value('--winograd-tile')) as 2 | 4),
    torch: !has('--no-torch'),
    write: !has('--no-write') && !quick,
  };
}

/** Child: one backend, one batch size; prints one JSON line (progress on stderr). */
async function child(a: ReturnType<typeof args>): Promise<void> {
  const batch = a.batches[0]!;
  // As the training loop does (src/train/train.ts): on onnxruntime, weights, gradients and momentum in
  // one WebAssembly memory, so the SGD update runs as WebAssembly SIMD.
  const memory = a.backend === 'onnxruntime' ? ParamMemory.forSpec(SPEC, 2 + optimizerBufferCount(SGD.kind)) ?? undefined : undefined;
  const params = initParams(SPEC, { seed: a.seed, alloc: tensorsIn(memory) });
  const graph = { ...(a.winograd ? { winograd: a.winograd } : {}), ...(a.winogradTile ? { winogradTile: a.winogradTile } : {}) };
  const step = await createTrainStep(SPEC, { backend: a.backend, threads: a.threads, memory, graph });
  const optimizer = createOptimizer(SGD, caffeParamRules(SPEC), { memory });
  const sites = dropoutSites(SPEC);
  const clips = syntheticClips(SPEC, batch, a.seed);
  const labels = Int32Array.from({ length: batch }, (_, i) => i % CLASSES);
  const all: number[] = [];
  const updateAll: number[] = [];
  const losses: number[] = [];
  for (let it = 0; it < a.warmup[0]! + a.steps[0]!; it++) {
    const t = performance.now();
    // Mask drawing is part of the loop's step, so it is inside the timed region (it is ≈ 1 ms).
    const masks = dropoutMasks(sites, a.seed, it, 0, batch);
    const { loss, grads, gradSumSquares } = await step.lossAndGrads(params, { clips, labels, dropoutMasks: masks });
    const u = performance.now();
    optimizer.step(params, grads, a.lr, gradSumSquares);
    const end = performance.now();
    const warm = it < a.warmup[0]!;
    console.error(`    ${a.backend} batch ${batch} step ${it}${warm ? ' (warm-up)' : ''}: ${((end - t) / 1000).toFixed(2)} s, update ${((end - u) / 1000).toFixed(2)} s, loss ${loss.toFixed(4)}`);
    if (warm) continue;
    all.push((end - t) / 1000);
    updateAll.push((end - u) / 1000);
    losses.push(loss);
  }
  await step.dispose();
  const res: Result = { who: a.backend, batch, seconds: median(all), all, updateAll, losses, maxrss: process.resourceUsage().maxRSS * 1024 };
  process.stdout.write(JSON.stringify(res) + '\n');
}

function runChild(a: ReturnType<typeof args>, i: number, backend: TrainBackendName): Result {
  const self = fileURLToPath(import.meta.url);
  const flags = ['--child', '--backend', backend, '--batch', String(a.batches[i]), '--warmup', String(a.warmup[i]), '--steps', String(a.steps[i]),
    '--threads', String(a.threads), '--lr', String(a.lr), '--seed', String(a.seed), ...(a.winograd ? ['--winograd', a.winograd] : []), ...(a.winogradTile ? ['--winograd-tile', String(a.winogradTile)] : [])];
  // The environment `c3d train` runs its training in (src/cli/relaunch.ts: glibc's malloc settings).
  const env = relaunchEnv('train', process.env, process.platform) ?? process.env;
  const r = spawnSync(process.execPath, [self, ...flags], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20, env });
  if (r.status !== 0) throw new Error(`bench child ${backend} batch ${a.batches[i]} failed (exit ${r.status ?? r.signal}; its error is above)`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Result;
}

/** PyTorch at one batch size, in its own process (its ru_maxrss is then this configuration's). */
function runTorch(a: ReturnType<typeof args>, i: number): Result | string {
  if (!existsSync(PY)) return `${PY} not found`;
  const flags = ['--batch', String(a.batches[i]), '--warmup', String(a.warmup[i]), '--steps', String(a.steps[i]), '--threads', String(a.threads),
    '--classes', String(CLASSES), '--lr', String(a.lr)];
  const r = spawnSync(PY, [TORCH_SCRIPT, ...flags], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) return `PyTorch not available (${r.stderr.trim().split('\n').at(-1)})`;
  type TorchOut = { torch: string; results: Array<{ batch: number; seconds: number; all: number[]; update_all: number[]; losses: number[]; maxrss_bytes: number }> };
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as TorchOut;
  const x = out.results[0]!;
  return { who: `pytorch ${out.torch}`, batch: x.batch, seconds: x.seconds, all: x.all, updateAll: x.update_all, losses: x.losses, maxrss: x.maxrss_bytes };
}

const gib = (b: number) => (b / 2 ** 30).toFixed(2);
const secs = (xs: number[]) => xs.map((s) => s.toFixed(2)).join(', ');

async function main(): Promise<void> {
  const a = args(process.argv.slice(2));
  if (a.child) return child(a);
  const load = loadavg()[0]!.toFixed(1);
  const started = performance.now();
  console.error(`bench train: ${SPEC.name}, ${(FLOP_PER_CLIP / 1e9).toFixed(1)} GFLOP per clip per step, ${a.threads} threads, load average ${load}`);
  const peakBefore = measurePeak(a.threads);
  // Each configuration runs `rounds` times in a fresh process, ours and PyTorch alternating (each
  // process settles into its own speed, ±10% on this VM; one process per side would be a coin toss).
  const runs = new Map<string, Result[]>();
  const keep = (r: Result): void => {
    const key = `${r.who}\u0000${r.batch}`;
    runs.set(key, [...(runs.get(key) ?? []), r]);
  };
  let torchNote: string | null = a.torch ? null : 'skipped (--no-torch)';
  for (const [i, batch] of a.batches.entries()) {
    for (let round = 1; round <= a.rounds; round++) {
      const tag = a.rounds > 1 ? ` (round ${round}/${a.rounds})` : '';
      for (const [k, backend] of a.backends.entries()) {
        const r = runChild(a, i, backend);
        console.error(`  ${backend} batch ${batch}${tag}: ${r.seconds.toFixed(2)} s/step (${secs(r.all)})`);
        keep(r);
        // PyTorch right after ours (the first backend), so both see similar machine load.
        if (k === 0 && torchNote === null) {
          const t = runTorch(a, i);
          if (typeof t === 'string') torchNote = t;
          else {
            console.error(`  pytorch batch ${batch}${tag}: ${t.seconds.toFixed(2)} s/step (${secs(t.all)})`);
            keep(t);
          }
        }
      }
    }
  }
  if (torchNote !== null) console.error(`  pytorch: ${torchNote}`);
  const peak = higherPeak(peakBefore, measurePeak(a.threads));
  console.error(`  ${peak.note}`);

  const rows = [
    '| runtime | batch | s/step | clips/s | GFLOP/s | % of peak | × PyTorch (clips/s) | × PyTorch per round | SGD update (s) | s/step per round (steps) | peak RSS (GiB) |',
    '|---|---:|---:|---:|---:|---:|---:|---|---:|---|---:|',
  ];
  const torchRuns = [...runs.values()].filter((rs) => rs[0]!.who.startsWith('pytorch'));
  for (const rs of [...runs.values()].filter((x) => !x[0]!.who.startsWith('pytorch')).concat(torchRuns)) {
    const r = rs[0]!;
    const seconds = median(rs.map((x) => x.seconds));
    const clipsPerS = r.batch / seconds;
    const t = torchRuns.find((x) => x[0]!.batch === r.batch);
    const vs = t ? (median(t.map((x) => x.seconds)) / seconds).toFixed(2) : '–';
    const perRound = t && t.length === rs.length ? rs.map((x, k) => (t[k]!.seconds / x.seconds).toFixed(2)).join(', ') : '–';
    const bad = rs.some((x) => x.losses.some((l) => !Number.isFinite(l))) ? ' (non-finite loss!)' : '';
    const gflops = (FLOP_PER_CLIP * clipsPerS) / 1e9;
    const rounds = rs.map((x) => `${x.seconds.toFixed(2)} (${secs(x.all)})`).join('; ');
    rows.push(`| ${r.who}${bad} | ${r.batch} | ${seconds.toFixed(2)} | ${clipsPerS.toFixed(3)} | ${gflops.toFixed(0)} | ${percentOfPeak(gflops, peak)} | ${vs} | ${perRound} | ${median(rs.flatMap((x) => x.updateAll)).toFixed(2)} | ${rounds} | ${gib(Math.max(...rs.map((x) => x.maxrss)))} |`);
  }
  const firstConvMacs = analyzeSpec(SPEC).find((i) => i.layer.type === 'conv3d')!.macs;
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const counts = a.batches.map((b, i) => `batch ${b}: ${a.warmup[i]} + ${a.steps[i]}`).join(', ');
  const minutes = ((performance.now() - started) / 60000).toFixed(1);
  const section = [
    SECTION,
    '',
    `\`npm run bench:train\` — ${new Date().toISOString().slice(0, 10)}, ${cpu}, ${cpus().length} logical CPUs, ${a.threads} compute threads, backend${a.backends.length > 1 ? 's' : ''} ${a.backends.join(', ')}, ${minutes} min in all.`,
    `One training step of the full C3D (c3d-sports1m, ${CLASSES}-way fc8, ${countParams(SPEC).toLocaleString('en-US')} parameters, Caffe initialisation,`,
    `synthetic clips): forward + backward + SGD update (momentum 0.9, weight decay 0.005, Caffe multipliers: weights lr ×1 decay ×1,`,
    `biases lr ×2 decay ×0; PyTorch: SGD with those two parameter groups), dropout 0.5 on fc6/fc7 active, lr ${a.lr}.`,
    `A step counts as 3 × the forward multiply-adds × 2 FLOP per clip = ${(FLOP_PER_CLIP / 1e9).toFixed(1)} GFLOP (3 × 2 × ${MACS.toLocaleString('en-US')};`,
    `forward, input gradient, weight gradient — both sides skip conv1a's input gradient, ${((100 * firstConvMacs) / (3 * MACS)).toFixed(1)}% of that count). Our graph runs conv2a … conv5b`,
    `as Winograd F(2, 3) in time, 2/3 of their multiply-adds: its GFLOP/s and % of peak are effective (of the direct count), not executed.`,
    `Each configuration ran in ${a.rounds} fresh process${a.rounds > 1 ? 'es' : ''}, ours and PyTorch alternating; a process's s/step is the median of its timed steps after the warm-up step(s)`,
    `(warm-up + timed: ${counts}), the table's s/step the median over the processes; "× PyTorch per round" pairs each of our processes with the PyTorch one run right after it.`,
    `"SGD update" is the optimizer's part of a step. Peak RSS is the highest of a configuration's processes (weights, gradients, momentum and the activations kept for backward);`,
    `ours run with the glibc malloc settings \`c3d train\` uses (GLIBC_TUNABLES=${TRAINING_GLIBC_TUNABLES}, src/train/malloc-tunables.ts).`,
    `${peak.note}.`,
    `1-min load average ${load} at the start, ${loadavg()[0]!.toFixed(1)} at the end (the script's own 2 threads make ≈ 2; other work on the machine reads as slower steps).`,
    '',
    ...rows,
    '',
  ].join('\n');
  console.log(section);
  if (a.write) writeDocSection(SECTION, section);
}

main().catch((e) => {
  console.error(`bench train: ${(e as Error).message}`);
  process.exitCode = 1;
});
