/** Resume after a kill: spawn a job, SIGKILL it mid-batch, rerun; every video done exactly once, no partial outputs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNpy } from '../../src/io/npy.js';
import { makeVideo, tempDir } from '../video/make-videos.js';

const WORKER = join(process.cwd(), 'dist', 'test', 'features', 'resume-worker.js');

function doneLines(out: string): string[] {
  const p = join(out, 'manifest.jsonl');
  if (!existsSync(p)) return [];
  return readFileSync(p, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; status: string }).filter((e) => e.status === 'done').map((e) => e.id);
}

function run(out: string, videos: string): { child: ReturnType<typeof spawn>; exit: Promise<{ code: number | null; stdout: string }> } {
  const child = spawn(process.execPath, [WORKER, out, videos], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout!.on('data', (d) => (stdout += d));
  const exit = new Promise<{ code: number | null; stdout: string }>((r) => child.on('close', (code) => r({ code, stdout })));
  return { child, exit };
}

test('a killed job loses only the videos in flight; the rerun finishes the rest', async () => {
  const root = tempDir('c3d-resume-');
  const videos = join(root, 'videos');
  mkdirSync(videos);
  const ids = ['v0', 'v1', 'v2', 'v3', 'v4', 'v5'];
  for (const id of ids) makeVideo(join(videos, `${id}.avi`), 'testsrc=size=24x16:rate=10', 8);
  const out = join(root, 'out');

  const first = run(out, videos);
  // Wait until at least one video is finished, then kill in the middle of the next ones.
  const t0 = Date.now();
  while (doneLines(out).length < 1 && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 20));
  first.child.kill('SIGKILL');
  const killed = await first.exit;
  assert.equal(killed.code, null, 'the first run was killed');
  const afterKill = doneLines(out);
  assert.ok(afterKill.length >= 1 && afterKill.length < ids.length, `killed after ${afterKill.length} videos`);

  const second = await run(out, videos).exit;
  assert.equal(second.code, 0);
  assert.deepEqual(JSON.parse(second.stdout), { done: ids.length - afterKill.length, skipped: afterKill.length, failed: 0 });

  const all = doneLines(out);
  assert.deepEqual([...all].sort(), ids, 'every video done exactly once over both runs');
  for (const id of ids) assert.deepEqual(readNpy(join(out, `${id}.npy`)).shape, [3, 4]);
  assert.deepEqual(readdirSync(out).filter((n) => n.includes('.tmp-')), [], 'no temp files left');
});
