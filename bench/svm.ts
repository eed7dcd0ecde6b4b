/**
 * `npm run bench:svm` — one-vs-rest linear SVM training time: ours vs Debian's `liblinear-train`
 * (same solver, -s 1 -c 1 -B 1) on the same synthetic descriptor-like data, timed in the same run.
 *
 * Default problem: 101 classes × 99 = 9999 training rows × 4096 dims (ReLU'd, L2-normalised Gaussian
 * clusters), 101 × 20 test rows. Options: --classes N --per-class N --dim N --noise S --c C --loss l1|l2.
 *
 * LIBLINEAR reads text, so its wall time includes parsing; a second run with `-e 1e9` (stops after
 * one pass) estimates that fixed cost, and the table shows both the raw ratio and the ratio against
 * liblinear's time minus that estimate. Ours is timed in-process on data already in memory.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gaussianClusters } from '../src/eval/synthetic.js';
import { trainLinearSvm, predictLinearSvm, accuracy } from '../src/eval/linear-svm.js';
import { writeSvmlight } from '../src/eval/svmlight.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt;
}

function which(bin: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Runs liblinear-train under bash's `time`: [wall s, user+sys CPU s]. */
function timed(args: string[]): [number, number] {
  const t = performance.now();
  const quoted = args.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const r = spawnSync('bash', ['-c', `TIMEFORMAT='%U %S'; time liblinear-train ${quoted} >/dev/null`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`liblinear-train failed: ${r.stderr}`);
  const [u, sy] = r.stderr.trim().split(/\s+/).slice(-2).map(Number) as [number, number];
  return [(performance.now() - t) / 1000, u + sy];
}

async function main(): Promise<void> {
  const classes = Number(arg('classes', '101'));
  const perClass = Number(arg('per-class', '99'));
  const dim = Number(arg('dim', '4096'));
  const noise = Number(arg('noise', '10'));
  const c = Number(arg('c', '1'));
  const loss = arg('loss', 'l2') as 'l1' | 'l2';
  const train = gaussianClusters({ classes, perClass, dim, noise, seed: 1, reluNormalize: true });
  const test = gaussianClusters({ classes, perClass: 20, dim, noise, seed: 2, reluNormalize: true, centres: train.centres });
  console.log(`problem: ${train.x.rows} train × ${dim} dims, ${classes} classes, ${test.x.rows} test rows; -s ${loss === 'l2' ? 1 : 3} -c ${c} -B 1`);

  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const model = trainLinearSvm(train.x, train.y, classes, { c, loss, bias: 1 });
  const oursS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const oursCpu = (cpu.user + cpu.system) / 1e6;
  const oursAcc = accuracy(predictLinearSvm(model, test.x), test.y);
  const meanIter = model.iterations.reduce((a, b) => a + b, 0) / model.iterations.length;
  console.log(`ours           train ${oursS.toFixed(2)} s wall, ${oursCpu.toFixed(2)} s CPU   test accuracy ${(100 * oursAcc).toFixed(2)}%   mean outer iterations ${meanIter.toFixed(1)}`);

  if (!which('liblinear-train')) {
    console.log('liblinear-train not found (apt-get install liblinear-tools): no peer to compare');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'c3d-bench-svm-'));
  try {
    const trainFile = join(dir, 'train.txt');
    const testFile = join(dir, 'test.txt');
    await writeSvmlight(trainFile, train.x, train.y);
    await writeSvmlight(testFile, test.x, test.y);
    const s = loss === 'l2' ? '1' : '3';
    const [libS, libCpu] = timed(['-q', '-s', s, '-c', String(c), '-B', '1', trainFile, join(dir, 'model')]);
    const [parseS, parseCpu] = timed(['-q', '-s', s, '-c', String(c), '-B', '1', '-e', '1e9', trainFile, join(dir, 'model1')]);
    const out = execFileSync('liblinear-predict', [testFile, join(dir, 'model'), join(dir, 'pred')]).toString();
    const libAcc = Number(/Accuracy = ([\d.]+)%/.exec(out)?.[1]) / 100;
    const solveCpu = Math.max(libCpu - parseCpu, 1e-9);
    console.log(`liblinear      train ${libS.toFixed(2)} s wall, ${libCpu.toFixed(2)} s CPU   test accuracy ${(100 * libAcc).toFixed(2)}%   (text parsing included)`);
    console.log(`liblinear -e 1e9 (parse + one pass) ${parseS.toFixed(2)} s wall, ${parseCpu.toFixed(2)} s CPU → solver-only CPU estimate ${solveCpu.toFixed(2)} s`);
    console.log(`ratio ours/liblinear: wall ${(oursS / libS).toFixed(2)}×, CPU ${(oursCpu / libCpu).toFixed(2)}×, CPU vs solver-only estimate ${(oursCpu / solveCpu).toFixed(2)}× (target ≤ 2×; CPU time is robust to a busy machine)`);
    console.log(`accuracy difference: ${(100 * (oursAcc - libAcc)).toFixed(2)} points`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`bench:svm: ${(e as Error).message}`);
  process.exitCode = 1;
});
