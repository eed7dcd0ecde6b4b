/**
 * The portable safetensors parser (src/io/safetensors-format.ts, what the browser page runs) on bytes:
 * the same tensors and metadata as the Node file reader, and the same one-line errors for a truncated
 * file and a bad header.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeSafetensors, looksLikeSafetensors } from '../../src/io/safetensors-format.js';
import { readSafetensors, WeightsError } from '../../src/io/index.js';
import { DEMO_WEIGHTS } from '../../src/io/weights.js';
import { assertTensorEquals, expected, fixture } from './fixtures.js';

const withHeader = (header: string, data: Uint8Array = new Uint8Array(0)): Uint8Array => {
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
};

test('portable parser: a good file gives what the Node reader gives (F32/F64/I64/F16, metadata)', () => {
  const bytes = new Uint8Array(readFileSync(fixture('ref.safetensors')));
  assert.equal(looksLikeSafetensors(bytes, bytes.length), true);
  const got = decodeSafetensors(bytes, 'ref.safetensors');
  assert.deepEqual(got.metadata, expected.ref_safetensors.metadata);
  for (const [k, e] of Object.entries(expected.ref_safetensors.tensors)) assertTensorEquals(got.tensors.get(k), e, k);
  assert.equal(got.dtypes.get('extra.f16'), 'F16');
  // The demo checkpoint, tensor by tensor, equals the file reader's (which reads F32 straight from disk).
  const demo = decodeSafetensors(new Uint8Array(readFileSync(DEMO_WEIGHTS)), 'demo');
  const node = readSafetensors(DEMO_WEIGHTS);
  assert.deepEqual(demo.metadata, node.metadata);
  assert.deepEqual([...demo.tensors.keys()], [...node.tensors.keys()]);
  for (const [k, t] of node.tensors) {
    assert.deepEqual(demo.tensors.get(k)!.shape, t.shape, k);
    assert.deepEqual(demo.tensors.get(k)!.data, t.data, k);
  }
});

test('portable parser: truncated files and bad headers are one-line WeightsErrors naming the source', () => {
  const good = new Uint8Array(readFileSync(fixture('ref.safetensors')));
  const is = (re: RegExp) => (e: unknown) => e instanceof WeightsError && re.test(e.message) && !e.message.includes('\n');
  assert.throws(() => decodeSafetensors(good.subarray(0, good.length - 10), 'cut.safetensors'), is(/^cut\.safetensors: file is truncated: tensor \S+ runs past the end \(\d+ bytes\)$/));
  assert.throws(() => decodeSafetensors(good.subarray(0, 5), 'short'), { message: 'short: file is truncated: the header length runs past the end (5 bytes)' });
  assert.throws(() => decodeSafetensors(good.subarray(0, 20), 'head'), { message: 'head: file is truncated: the safetensors header runs past the end (20 bytes)' });
  assert.throws(() => decodeSafetensors(new Uint8Array(0), 'empty'), { message: 'empty: file is empty (0 bytes)' });
  assert.throws(() => decodeSafetensors(withHeader('{"a":'), 'json'), is(/^json: safetensors header is not valid JSON/));
  const huge = new Uint8Array(16);
  new DataView(huge.buffer).setBigUint64(0, 1n << 40n, true);
  assert.throws(() => decodeSafetensors(huge, 'huge'), { message: 'huge: safetensors header length 1099511627776 is implausible (corrupt or not safetensors)' });
  assert.throws(() => decodeSafetensors(withHeader('{"a":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}', new Uint8Array(8)), 'dt'), { message: 'dt: layer a: unsupported dtype C64' });
  assert.throws(() => decodeSafetensors(withHeader('{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}}', new Uint8Array(20)), 'size'), {
    message: 'size: layer w: shape [2, 3] F32 needs 24 bytes, data_offsets span 20',
  });
  assert.throws(() => decodeSafetensors(withHeader('{"__metadata__":{"k":1}}'), 'meta'), { message: 'meta: __metadata__.k is not a string' });
  assert.equal(looksLikeSafetensors(new TextEncoder().encode('not safetensors at all'), 22), false);
});
