/**
 * Fine-tuning and interruption through the command line, on preprocessed clips (no decoding): --init
 * copies every layer whose name and shape match and says which were re-initialised; SIGTERM saves a
 * checkpoint and the same command resumes it to the end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeNpy } from '../../src/io/npy.js';
import { loadWeights } from '../../src/io/weights.js';
import { SeededRandom } from '../../src/nn/random.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'c3d-finetune-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** Runs c3d; `onLine` sees each stderr line as it comes (and may signal the process). */
function c3d(args: string[], onLine?: (line: string, kill: (sig: NodeJS.Signals) => void) => void): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => {
      const before = stderr.length;
      stderr += d;
      for (const line of stderr.slice(before).split('\n')) if (line) onLine?.(line, (sig) => p.kill(sig));
    });
    p.on('close', (status) => resolve({ status, stderr }));
  });
}

function clips(name: string, n: number, classes: number): string[] {
  const rng = new SeededRandom(n * 31 + classes);
  const per = 3 * 4 * 28 * 28;
  const x = Float32Array.from({ length: n * per }, () => rng.normal());
  const y = Int32Array.from({ length: n }, (_, i) => i % classes);
  writeNpy(join(dir, `${name}-x.npy`), { shape: [n, 3, 4, 28, 28], data: x });
  writeNpy(join(dir, `${name}-y.npy`), { shape: [n], data: y });
  return ['--clips', join(dir, `${name}-x.npy`), '--labels', join(dir, `${name}-y.npy`)];
}

const TINY = ['--model', 'depth-1', '--width', '0.0625', '--size', '28', '--length', '4', '--batch', '4'];

test('--init copies matching layers, re-initialises the new head and says so', async () => {
  const base = join(dir, 'base');
  const a = await c3d(['train', ...clips('five', 10, 5), ...TINY, '--out', base, '--iters', '3']);
  assert.equal(a.status, 0, a.stderr);
  const tuned = join(dir, 'tuned');
  const b = await c3d(['train', ...clips('two', 8, 2), ...TINY, '--out', tuned, '--iters', '2', '--init', join(base, 'final.safetensors'), '--freeze', 'conv1', '--lr-mult', 'conv2=0']);
  assert.equal(b.status, 0, b.stderr);
  assert.match(b.stderr, /copied from the weights file \(7 layers\): conv1, conv2, conv3, conv4, conv5, fc6, fc7/);
  assert.match(b.stderr, /re-initialised fc8 \(caffe init\): shape \[5, 128\] in the file ≠ \[2, 128\] in the net/);
  const before = (await loadWeights(join(base, 'final.safetensors'))).params;
  const after = (await loadWeights(join(tuned, 'final.safetensors'))).params;
  assert.deepEqual([...after.get('conv1.weight')!.data], [...before.get('conv1.weight')!.data], 'frozen conv1');
  assert.deepEqual([...after.get('conv2.weight')!.data], [...before.get('conv2.weight')!.data], 'conv2 at lr ×0');
  assert.notDeepEqual([...after.get('conv3.weight')!.data], [...before.get('conv3.weight')!.data], 'conv3 trained');
  const c = await c3d(['train', ...clips('two', 8, 2), ...TINY, '--out', join(dir, 'bad'), '--iters', '1', '--freeze', 'conv9']);
  assert.equal(c.status, 1);
  assert.match(c.stderr, /conv9/);
});

test('SIGTERM saves a checkpoint; the same command then resumes to the end', async () => {
  const run = join(dir, 'interrupted');
  const args = ['train', ...clips('many', 16, 2), ...TINY, '--out', run, '--iters', '400', '--log-every', '1', '--checkpoint-every', '0'];
  let sent = false;
  const a = await c3d(args, (line, kill) => {
    if (!sent && line.startsWith('iter 2/')) {
      sent = true;
      kill('SIGTERM');
    }
  });
  assert.equal(a.status, 130, a.stderr);
  const m = /interrupted at iteration (\d+)\/400; resume with the same command \(checkpoint (\S+)\)/.exec(a.stderr);
  assert.ok(m, a.stderr);
  assert.ok(existsSync(m[2]!));
  assert.ok(!existsSync(join(run, 'final.safetensors')));
  const b = await c3d(args);
  assert.equal(b.status, 0, b.stderr);
  assert.match(b.stderr, new RegExp(`resuming from iteration ${m[1]}`));
  assert.match(b.stderr, /done, 400 iterations/);
});

test('--config RUN/config.json re-runs a run elsewhere with the same result; flags override it', async () => {
  const first = join(dir, 'first');
  const a = await c3d(['train', ...clips('cfg', 8, 2), ...TINY, '--out', first, '--iters', '3', '--optimizer', 'adam', '--lr', '0.001']);
  assert.equal(a.status, 0, a.stderr);
  const again = join(dir, 'again');
  const b = await c3d(['train', '--config', join(first, 'config.json'), '--out', again]);
  assert.equal(b.status, 0, b.stderr);
  const w1 = (await loadWeights(join(first, 'final.safetensors'))).params;
  const w2 = (await loadWeights(join(again, 'final.safetensors'))).params;
  for (const [k, t] of w1) assert.deepEqual([...w2.get(k)!.data], [...t.data], k);
  const c = await c3d(['train', '--config', join(first, 'config.json'), '--out', join(dir, 'other'), '--lr', '0.01', '--iters', '1']);
  assert.equal(c.status, 0, c.stderr);
  assert.match(c.stderr, /done, 1 iteration;/);
  const d = await c3d(['train', '--config', join(dir, 'missing.json')]);
  assert.equal(d.status, 2);
  assert.match(d.stderr, /--config .*missing\.json: cannot read/);
});
