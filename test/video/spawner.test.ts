/** The ffmpeg relay: many ffmpegs in turn through one small process, with the same frames and errors as a direct spawn. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openVideo, readAllFrames } from '../../src/video/decode.js';
import { SpawnRelay, spawnDirect, type SpawnedProcess } from '../../src/video/spawner.js';
import { makeVideo, tempDir } from './make-videos.js';

const dir = tempDir();
const CHILD = join(process.cwd(), 'dist', 'src', 'video', 'spawn-relay-child.js');
const a = makeVideo(join(dir, 'a.avi'), 'testsrc=size=64x48:rate=10', 12);
const b = makeVideo(join(dir, 'b.mkv'), 'mandelbrot=size=40x30:rate=10', 5, 'ffv1');

async function framesVia(relay: SpawnRelay, path: string): Promise<Uint8Array[]> {
  return (await readAllFrames(path, {}, relay.spawner)).map((f) => f.data);
}

test('videos decoded one after another through one relay equal a direct decode, byte for byte', async () => {
  const relay = new SpawnRelay(CHILD);
  try {
    const directA = await readAllFrames(a);
    const directB = await readAllFrames(b);
    // Alternating, more than twice: the relay must come back from backpressure between processes.
    for (const [path, direct] of [[a, directA], [b, directB], [a, directA], [b, directB], [a, directA]] as const) {
      const got = await framesVia(relay, path);
      assert.equal(got.length, direct.length, path);
      got.forEach((f, i) => assert.deepEqual(f, direct[i]!.data, `${path} frame ${i}`));
    }
  } finally {
    relay.close();
  }
});

test('a reader stopped early kills its ffmpeg; the next video through the relay is complete', async () => {
  const relay = new SpawnRelay(CHILD);
  try {
    const r = await openVideo(a, {}, relay.spawner);
    let n = 0;
    for await (const _ of r) if (++n === 2) break;
    assert.equal(n, 2);
    assert.equal((await framesVia(relay, b)).length, 5);
  } finally {
    relay.close();
  }
});

test('errors through the relay read as with a direct spawn: not a video, missing ffmpeg binary', async () => {
  const relay = new SpawnRelay(CHILD);
  try {
    const junk = join(dir, 'junk.mp4');
    writeFileSync(junk, 'not a video at all');
    const direct = await openVideo(junk).then(() => '', (e: Error) => e.message);
    await assert.rejects(openVideo(junk, {}, relay.spawner), (e: Error) => e.message === direct && e.message.startsWith(junk));
    await assert.rejects(openVideo(a, { ffmpeg: join(dir, 'no-such-ffmpeg') }, relay.spawner), /cannot run ffmpeg .*ENOENT/);
    assert.equal((await framesVia(relay, a)).length, 12, 'the relay still works after failures');
  } finally {
    relay.close();
  }
});

test('a dead relay fails the video in flight and later ones with a clear error', async () => {
  const relay = new SpawnRelay(join(dir, 'missing-relay.js'));
  try {
    await assert.rejects(openVideo(a, {}, relay.spawner), /ffmpeg relay exited/);
    await assert.rejects(openVideo(a, {}, relay.spawner), /ffmpeg relay exited/);
  } finally {
    relay.close();
  }
});

/** Rejects after `ms` instead of hanging (a hung relay would keep this process alive: it is ended too). */
async function deadline<T>(run: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      setTimeout(() => process.exit(1), 2000).unref();
      reject(new Error(`${what}: nothing after ${ms / 1000} s, it hangs`));
    }, ms);
  });
  try {
    return await Promise.race([run, hung]);
  } finally {
    clearTimeout(timer);
  }
}

test('stderr arrives while stdout sits unread, through the relay as with a direct spawn', async () => {
  // openVideo waits for ffmpeg's header on stderr before it reads frames. The relay used to stop
  // reading its one pipe while frames were unread, so a header that came after frames never arrived.
  const script = "process.stdout.write(Buffer.alloc(60000, 7), () => setTimeout(() => process.stderr.write('header\\n'), 50))";
  const relay = new SpawnRelay(CHILD);
  try {
    for (const [how, spawner] of [['direct', spawnDirect], ['relay', relay.spawner]] as const) {
      const p: SpawnedProcess = spawner(process.execPath, ['-e', script]);
      p.stdout.on('readable', () => {}); // as openVideo does: keeps a direct child's output buffered
      const closed = new Promise<number | null>((resolve) => p.on('close', resolve));
      let log = '';
      p.stderr.setEncoding('utf8');
      await deadline(new Promise<void>((resolve) => p.stderr.on('data', (s: string) => (log += s).includes('header') && resolve())), 10_000, `${how}: stderr`);
      let bytes = 0;
      for await (const chunk of p.stdout as AsyncIterable<Buffer>) {
        assert.ok(chunk.every((b) => b === 7), how);
        bytes += chunk.length;
      }
      assert.equal(bytes, 60000, how);
      assert.equal(await deadline(closed, 10_000, `${how}: close`), 0); // a direct child closes once stdout is read
    }
    assert.equal((await framesVia(relay, a)).length, 12, 'the relay goes on with the next process');
  } finally {
    relay.close();
  }
});

test('a reader that drops stdout unread (destroys it) does not stall the relay for the next process', async () => {
  const relay = new SpawnRelay(CHILD);
  try {
    // Far more output than the relay sends ahead of a reader: it must be stopped, not waited for.
    const p = relay.spawner(process.execPath, ['-e', 'process.stdout.write(Buffer.alloc(8 << 20, 1))']);
    for await (const chunk of p.stdout as AsyncIterable<Buffer>) {
      assert.ok(chunk.length > 0);
      break; // destroys stdout
    }
    assert.equal((await deadline(framesVia(relay, a), 10_000, 'next video')).length, 12);
  } finally {
    relay.close();
  }
});
