import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { getModel, blobShapes } from '../../src/models/index.js';
import { syntheticParams } from '../../src/nn/index.js';
import { buildOnnxModel, buildOnnxModelWithExternalData, onnxPoolPads, writeOnnxModel } from '../../src/io/onnx-export.js';

const { onnx } = onnxProto;
const PYTHON = '/usr/bin/python3';

function hasPythonOnnx(): boolean {
  return spawnSync(PYTHON, ['-c', 'import onnx'], { stdio: 'ignore' }).status === 0;
}

test('Caffe ceil pooling becomes explicit end padding: pool5 7→4 pads [0,0,0, 0,1,1]; the port keeps its pad', () => {
  const k = { kernel: [2, 2, 2], stride: [2, 2, 2], pad: [0, 0, 0] };
  assert.deepEqual(onnxPoolPads([2, 7, 7], [1, 4, 4], k), [0, 0, 0, 0, 1, 1]);
  assert.deepEqual(onnxPoolPads([16, 112, 112], [8, 56, 56], k), [0, 0, 0, 0, 0, 0]);
  assert.deepEqual(onnxPoolPads([2, 7, 7], [1, 4, 4], { ...k, pad: [0, 1, 1] }), [0, 1, 1, 0, 0, 0]);
  // A window wider than the input (depth 1, kernel 2, ceil → 1 output) pads one at the end.
  assert.deepEqual(onnxPoolPads([1, 7, 7], [1, 4, 4], k), [0, 0, 0, 1, 1, 1]);
});

test('exported graph: opset 13, no ceil_mode, weights as initializers, named intermediate outputs', () => {
  const spec = getModel('c3d-sports1m', { width: 1 / 32, length: 8, classes: 10 });
  const params = syntheticParams(spec, 1);
  const bytes = buildOnnxModel(spec, params, { outputs: ['pool5', 'fc6', 'fc7', 'prob'] });
  const m = onnx.ModelProto.decode(bytes);
  assert.equal(Number(m.opsetImport[0]!.version), 13);
  const g = m.graph as onnxProto.onnx.GraphProto;
  const nodes = g.node as onnxProto.onnx.NodeProto[];
  assert.deepEqual(g.input.map((i) => i.name), ['data']);
  assert.deepEqual(g.output.map((o) => o.name), ['pool5', 'fc6', 'fc7', 'prob']);
  const dims = (o: onnxProto.onnx.IValueInfoProto) => o.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue));
  assert.deepEqual(dims(g.output[0]!), ['N', ...blobShapes(spec).get('pool5')!]);
  const ops = nodes.map((n) => n.opType);
  assert.equal(ops.filter((o) => o === 'Conv').length, 8);
  assert.equal(ops.filter((o) => o === 'MaxPool').length, 5);
  assert.equal(ops.filter((o) => o === 'Gemm').length, 3);
  assert.ok(!ops.includes('Dropout') && !ops.includes('Identity'), 'eval graph has no dropout');
  for (const n of nodes) assert.ok(!(n.attribute as onnxProto.onnx.AttributeProto[]).some((a) => a.name === 'ceil_mode'), `${n.name} uses no ceil_mode`);
  const pool5 = nodes.find((n) => n.name === 'pool5')!;
  // 8 frames: pool5 sees depth 1 (→ 1, ragged) and 7×7 (→ 4×4): end padding 1 on every axis.
  assert.deepEqual((pool5.attribute as onnxProto.onnx.AttributeProto[]).find((a) => a.name === 'pads')!.ints.map(Number), [0, 0, 0, 1, 1, 1]);
  // fc6 is the value after relu6 (Caffe's in-place ReLU); the Gemm writes fc6.preact.
  assert.equal(nodes.find((n) => n.name === 'fc6')!.output[0], 'fc6.preact');
  assert.deepEqual(nodes.find((n) => n.name === 'relu6')!.output, ['fc6']);
  const w = (g.initializer as onnxProto.onnx.TensorProto[]).find((t) => t.name === 'conv1a.weight')!;
  assert.deepEqual(w.dims.map(Number), [2, 3, 3, 3, 3]);
  assert.deepEqual(new Float32Array(new Uint8Array(w.rawData).buffer), params.get('conv1a.weight')!.data);
  assert.equal(g.initializer.length, params.size);
});

test('export rejects unknown outputs, bad batch and weights that do not fit', () => {
  const spec = getModel('depth-1', { width: 1 / 32, size: 28, length: 4, classes: 3 });
  const params = syntheticParams(spec, 1);
  assert.throws(() => buildOnnxModel(spec, params, { outputs: ['fc9'] }), /'fc9' is not a blob/);
  assert.throws(() => buildOnnxModel(spec, params, { batch: 0 }), /batch must be a positive integer/);
  const p2 = new Map(params);
  p2.set('fc8.bias', params.get('fc7.bias')!);
  assert.throws(() => buildOnnxModel(spec, p2), /fc8\.bias: expected \[3\], given \[64\]/);
});

test('python3-onnx checker accepts the exported file (full check with shape inference)', (t) => {
  if (!hasPythonOnnx()) {
    t.skip('Debian python3-onnx is not installed');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'c3d-onnx-'));
  try {
    for (const [name, spec] of [
      ['c3d', getModel('c3d-sports1m', { width: 1 / 32, length: 8, classes: 10 })],
      ['port', getModel('c3d-pytorch-port', { width: 1 / 32, classes: 10 })],
      ['increasing', getModel('increasing', { width: 1 / 32, size: 56, length: 8 })],
    ] as const) {
      const path = join(dir, `${name}.onnx`);
      const n = writeOnnxModel(path, spec, syntheticParams(spec, 1), { batch: 2 });
      assert.equal(readFileSync(path).length, n);
      const script = [
        'import onnx, sys',
        'm = onnx.load(sys.argv[1])',
        'onnx.checker.check_model(m, full_check=True)',
        'inf = onnx.shape_inference.infer_shapes(m, strict_mode=True)',
        'print(" ".join(o.name + ":" + "x".join(str(d.dim_value) for d in o.type.tensor_type.shape.dim) for o in inf.graph.output))',
      ].join('\n');
      const r = spawnSync(PYTHON, ['-c', script, path], { encoding: 'utf8' });
      assert.equal(r.status, 0, `onnx checker on ${name}: ${r.stderr}`);
      const shapes = blobShapes(spec);
      const expected = spec.outputs.map((o) => `${o}:${[2, ...shapes.get(o)!].join('x')}`).join(' ');
      assert.equal(r.stdout.trim(), expected);
    }
    assert.deepEqual(readdirSync(dir).sort(), ['c3d.onnx', 'increasing.onnx', 'port.onnx'], 'no temp files left');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('in-memory external weights: the graph protobuf is small and the weights are views of the tensors, not copies', () => {
  const spec = getModel('c3d-sports1m', { width: 1 / 32, length: 8, classes: 10 });
  const params = syntheticParams(spec, 1);
  const full = buildOnnxModel(spec, params);
  const ext = buildOnnxModelWithExternalData(spec, params);
  const weightBytes = [...params.values()].reduce((s, t) => s + t.data.byteLength, 0);
  assert.ok(full.length > weightBytes);
  assert.ok(ext.bytes.length < 8192, `graph only: ${ext.bytes.length} bytes`);
  assert.deepEqual(ext.externalData.map((e) => e.path), [...params.keys()]);
  for (const e of ext.externalData) {
    const t = params.get(e.path)!;
    assert.equal(e.data.buffer, t.data.buffer);
    assert.equal(e.data.byteLength, t.data.byteLength);
  }
  const g = onnx.ModelProto.decode(ext.bytes).graph as onnxProto.onnx.GraphProto;
  const w = (g.initializer as onnxProto.onnx.TensorProto[]).find((t) => t.name === 'fc6.weight')!;
  assert.equal(w.dataLocation, onnx.TensorProto.DataLocation.EXTERNAL);
  assert.deepEqual(w.externalData.map((kv) => [kv.key, kv.value]), [['location', 'fc6.weight'], ['offset', '0'], ['length', String(params.get('fc6.weight')!.data.byteLength)]]);
});
