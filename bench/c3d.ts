/**
 * C3D forward benchmark: the full net (3×16×112×112 clips, 77.1 GFLOP per clip) at batch 1 and 8 on
 * both backends — onnxruntime (native; fp32, and `onnxruntime-int8`: the int8 graph of src/quant,
 * calibrated on two synthetic clips, untimed) and wasm (our SIMD kernels via src/nn) — beside PyTorch CPU
 * (tools/bench/torch_c3d.py, Debian python3-torch, same thread count) when present. Prints clips/s,
 * GFLOP/s, the ratio to PyTorch and to the machine's peak, and peak RSS; each configuration runs in
 * its own child process so its peak RSS is its own. Writes the "C3D forward" section of
 * docs/benchmarks.md (only that section).
 *
 *   npm run bench:c3d
 *   node dist/bench/c3d.js --quick            # batch 1 only, 1 rep, no docs
 *   options: --batch 1,8  --reps N  --threads N  --backends onnxruntime,onnxruntime-int8,wasm  --no-torch  --no-write
 *
 * Peak: this machine's FMA peak on the same thread count, measured in the same run (bench/peak.ts:
 * a small C probe built with the system compiler; the column reads '–' when there is none).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { countMacs, getModel } from '../src/models/index.js';
import { syntheticClips, syntheticParams } from '../src/nn/index.js';
import { createBackend, type BackendName } from '../src/runtime/index.js';
import { quantizeNet, writeQuantizedModel } from '../src/quant/index.js';
import { loadNet } from '../src/features/net.js';
import { benchFlags } from './flags.js';
import { writeDocSection } from './doc-section.js';
import { higherPeak, measurePeak, percentOfPeak } from './peak.js';

const PY = '/usr/bin/python3';
const SECTION = '## C3D forward';
const SPEC = getModel('c3d-sports1m');
const FLOP_PER_CLIP = 2 * countMacs(SPEC);
/** A bench configuration: a backend, or onnxruntime on the int8 graph. */
type Config = BackendName | 'onnxruntime-int8';

interface Result {
  who: string;
  batch: number;
  seconds: number;
  all: number[];
  maxrss: number;
  note?: string;
}

function args(argv: string[]) {
  const { has, value } = benchFlags(argv);
  const quick = has('--quick');
  return {
    child: value('--child'),
    int8Model: value('--int8-model'),
    writeInt8: value('--write-int8'),
    batches: (value('--batch') ?? (quick ? '1' : '1,8')).split(',').map(Number),
    reps: Number(value('--reps') ?? (quick ? 1 : 3)),
    threads: Number(value('--threads') ?? 2),
    backends: (value('--backends') ?? 'onnxruntime,onnxruntime-int8,wasm').split(',') as Config[],
    torch: !has('--no-torch'),
    write: !has('--no-write') && !quick,
  };
}

/**
 * The int8 model of the fp32 net the children run (same synthetic weights), calibrated on 2 other clips
 * and written as `c3d quantize` writes it, by a child process of its own: the int8 child then loads the
 * file as `c3d extract --weights X.int8.onnx` does, so its peak RSS is a user's. (Not in this process:
 * Linux counts a parent's size at fork in every child's peak RSS.)
 */
function writeInt8Model(dir: string, threads: number): string {
  const path = join(dir, 'c3d.int8.onnx');
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, [self, '--write-int8', path, '--threads', String(threads)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench: writing the int8 model failed: ${r.stderr}`);
  return path;
}

/** Child: one backend, one batch size; prints one JSON line. */
async function child(backend: Config, batch: number, reps: number, threads: number, int8Model?: string): Promise<void> {
  const clips = syntheticClips(SPEC, batch, 7);
  let b;
  if (backend === 'onnxruntime-int8') {
    if (!int8Model) throw new Error('the int8 child needs --int8-model FILE');
    b = (await loadNet({ weights: int8Model, backend: { backend: 'onnxruntime', threads } })).backend;
  } else {
    b = await createBackend({ backend, spec: SPEC, params: syntheticParams(SPEC, 7), threads });
  }
  await b.run(clips, ['prob']); // warm-up: session allocation, weight packing, wasm tier-up
  const all: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    await b.run(clips, ['fc6', 'prob']);
    all.push((performance.now() - t) / 1000);
  }
  const note = backend === 'wasm' ? `kernels: ${(b as unknown as { kernelsName: string }).kernelsName}` : undefined;
  await b.dispose();
  const res: Result = { who: backend, batch, seconds: Math.min(...all), all, maxrss: process.resourceUsage().maxRSS * 1024, note };
  process.stdout.write(JSON.stringify(res) + '\n');
}

function runChild(backend: Config, batch: number, reps: number, threads: number, int8Model?: string): Result {
  const self = fileURLToPath(import.meta.url);
  const int8 = backend === 'onnxruntime-int8' && int8Model ? ['--int8-model', int8Model] : [];
  const r = spawnSync(process.execPath, [self, '--child', backend, '--batch', String(batch), '--reps', String(reps), '--threads', String(threads), ...int8], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`bench child ${backend} batch ${batch} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Result;
}

function runTorch(batches: number[], reps: number, threads: number): Result[] | string {
  if (!existsSync(PY)) return `${PY} not found`;
  const r = spawnSync(PY, ['tools/bench/torch_c3d.py', '--batch', batches.join(','), '--reps', String(reps), '--threads', String(threads)], { encoding: 'utf8' });
  if (r.status !== 0) return `PyTorch not available (${r.stderr.trim().split('\n').at(-1)})`;
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { torch: string; results: Array<{ batch: number; seconds: number; all: number[]; maxrss_bytes: number }> };
  return out.results.map((x) => ({ who: `pytorch ${out.torch}`, batch: x.batch, seconds: x.seconds, all: x.all, maxrss: x.maxrss_bytes }));
}

const gib = (b: number) => (b / 2 ** 30).toFixed(2);

async function main(): Promise<void> {
  const a = args(process.argv.slice(2));
  if (a.child) return child(a.child as Config, a.batches[0]!, a.reps, a.threads, a.int8Model);
  if (a.writeInt8) {
    writeQuantizedModel(a.writeInt8, await quantizeNet(SPEC, syntheticParams(SPEC, 7), syntheticClips(SPEC, 2, 8), { threads: a.threads }));
    return;
  }
  const load = loadavg()[0]!.toFixed(1);
  console.error(`bench c3d: ${SPEC.name}, ${(FLOP_PER_CLIP / 1e9).toFixed(1)} GFLOP/clip, ${a.threads} threads, load average ${load}`);
  const peakBefore = measurePeak(a.threads);
  const results: Result[] = [];
  let torch: Result[] | string = a.torch ? [] : 'skipped (--no-torch)';
  // PyTorch runs right after our backends at each batch size, so all three see similar machine load.
  const tmp = mkdtempSync(join(tmpdir(), 'c3d-bench-'));
  const int8Model = a.backends.includes('onnxruntime-int8') ? writeInt8Model(tmp, a.threads) : undefined;
  for (const batch of a.batches) {
    for (const backend of a.backends) {
      const r = runChild(backend, batch, a.reps, a.threads, int8Model);
      console.error(`  ${backend} batch ${batch}: ${r.seconds.toFixed(3)} s (${r.all.map((s) => s.toFixed(2)).join(', ')})`);
      results.push(r);
    }
    if (typeof torch !== 'string') {
      const t = runTorch([batch], a.reps, a.threads);
      if (typeof t === 'string') torch = t;
      else {
        console.error(`  pytorch batch ${batch}: ${t[0]!.seconds.toFixed(3)} s (${t[0]!.all.map((s) => s.toFixed(2)).join(', ')})`);
        torch.push(...t);
      }
    }
  }
  rmSync(tmp, { recursive: true, force: true });
  if (typeof torch === 'string') console.error(`  pytorch: ${torch}`);
  else results.push(...torch);

  const peak = higherPeak(peakBefore, measurePeak(a.threads));
  console.error(`  ${peak.note}`);
  const torchResults = torch;
  const torchAt = (batch: number) => (typeof torchResults === 'string' ? undefined : torchResults.find((t) => t.batch === batch));
  const rows = [
    '| runtime | batch | ms/clip | clips/s | GFLOP/s | × PyTorch (clips/s) | × onnxruntime fp32 (clips/s) | % of peak | peak RSS (GiB) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const fp32At = (batch: number) => results.find((x) => x.who === 'onnxruntime' && x.batch === batch);
  for (const r of results) {
    const clipsPerS = r.batch / r.seconds;
    const gflops = (FLOP_PER_CLIP * clipsPerS) / 1e9;
    const t = torchAt(r.batch);
    const vs = t ? (clipsPerS / (t.batch / t.seconds)).toFixed(2) : '–';
    const who = r.note ? `${r.who} (${r.note})` : r.who;
    const f = fp32At(r.batch);
    const vsFp32 = f ? (clipsPerS / (f.batch / f.seconds)).toFixed(2) : '–';
    // int8 "GFLOP/s" counts the same 77.1 GFLOP per clip (integer multiply-adds), so % of the fp32 FMA peak can pass 100.
    rows.push(`| ${who} | ${r.batch} | ${((1000 * r.seconds) / r.batch).toFixed(0)} | ${clipsPerS.toFixed(2)} | ${gflops.toFixed(0)} | ${vs} | ${vsFp32} | ${percentOfPeak(gflops, peak)} | ${gib(r.maxrss)} |`);
  }
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const section = [
    SECTION,
    '',
    `\`npm run bench:c3d\` — ${new Date().toISOString().slice(0, 10)}, ${cpu}, ${cpus().length} logical CPUs, ${a.threads} compute threads,`,
    `full C3D (c3d-sports1m, ${(FLOP_PER_CLIP / 1e9).toFixed(1)} GFLOP = 2 × ${countMacs(SPEC).toLocaleString('en-US')} MACs per clip), best of ${a.reps} after one warm-up run.`,
    `${peak.note}.`,
    `Peak RSS is per configuration (its own process, weights included). 1-min load average ${load} at the start,`,
    `${loadavg()[0]!.toFixed(1)} at the end (the script's own processes count: 2 threads alone make ≈ 2); a busier machine reads low.`,
    `Targets (issue 3): onnxruntime ≥ 2.5× PyTorch clips/s and ≥ 280 GFLOP/s; wasm ≥ 65 GFLOP/s; peak RSS at batch 1 ≤ 1.2 GiB.`,
    `The wasm backend runs a batch as consecutive one-clip passes (\`microBatch\` 1), so its batch-8 RSS stays near batch 1's.`,
    `onnxruntime-int8: the int8 graph (docs/int8.md; convs int8, fc fp32), loaded from an .int8.onnx as \`c3d extract --weights X.int8.onnx\` does (calibrated beforehand on 2 other clips); its GFLOP/s counting the same operations (int8 multiply-adds),`,
    `so "% of peak" (of the fp32 FMA peak) may pass 100; goal (issue 18): ≥ 2× onnxruntime fp32 clips/s. Fidelity: "## int8 extraction".`,
    '',
    ...rows,
    '',
  ].join('\n');
  console.log(section);
  if (a.write) {
    writeDocSection(SECTION, section);
  }
}

main().catch((e) => {
  console.error(`bench c3d: ${(e as Error).message}`);
  process.exitCode = 1;
});
