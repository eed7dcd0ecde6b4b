/** `c3d serve` without a browser: isolation headers, MIME types, /files/, byte ranges, no escapes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { tempDir } from '../eval/fixtures.js';
import { c3d } from '../cli/run-cli.js';
import { serve } from './browser.js';

/** A raw GET (node's fetch normalises `..` out of paths, which is what these requests test). */
function get(url: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('c3d serve: the page with COOP/COEP/CORP, wasm and module MIME types, --files under /files/, ranges, no escapes', async () => {
  const { dir, cleanup } = tempDir();
  const files = join(dir, 'files');
  mkdirSync(files);
  writeFileSync(join(files, 'a.npy'), Buffer.from('0123456789'));
  writeFileSync(join(dir, 'secret.txt'), 'outside');
  symlinkSync(join(dir, 'secret.txt'), join(files, 'link.txt'));
  const s = await serve(files);
  try {
    assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await get(s.url, '/');
    assert.equal(page.status, 200);
    assert.equal(page.headers['cross-origin-opener-policy'], 'same-origin');
    assert.equal(page.headers['cross-origin-embedder-policy'], 'require-corp');
    assert.equal(page.headers['cross-origin-resource-policy'], 'same-origin');
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(page.body.toString(), /C3D in the browser/);
    const wasm = await get(s.url, '/ort-wasm-simd-threaded.wasm', { range: 'bytes=0-3' });
    assert.equal(wasm.status, 206);
    assert.equal(wasm.headers['content-type'], 'application/wasm');
    assert.deepEqual([...wasm.body], [0x00, 0x61, 0x73, 0x6d]); // \0asm
    assert.match(String((await get(s.url, '/ort-wasm-simd-threaded.mjs')).headers['content-type']), /^text\/javascript/);
    const a = await get(s.url, '/files/a.npy', { range: 'bytes=2-4' });
    assert.equal(a.status, 206);
    assert.equal(a.body.toString(), '234');
    assert.equal(a.headers['content-range'], 'bytes 2-4/10');
    assert.equal(a.headers['cross-origin-resource-policy'], 'same-origin');
    for (const path of ['/files/../secret.txt', '/files/%2e%2e/secret.txt', '/../package.json', '/files/link.txt', '/files/', '/nothing.js']) {
      assert.equal((await get(s.url, path)).status, 404, path);
    }
  } finally {
    await s.stop();
    cleanup();
  }
});

test('c3d serve: a bad --port or --files is a one-line usage error', () => {
  const port = c3d('serve', '--port', '70000');
  assert.equal(port.code, 2);
  assert.match(port.err, /^c3d serve: --port must be an integer in \[0, 65535\], got '70000'\n$/);
  const files = c3d('serve', '--port', '0', '--files', '/no/such/dir');
  assert.equal(files.code, 1);
  assert.match(files.err, /^c3d serve: --files \/no\/such\/dir is not a folder\n$/);
});
