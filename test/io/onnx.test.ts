/**
 * ONNX as a weights source: our export read back bit for bit (with its recorded spec and convention),
 * the PyTorch port's and MMAction2's torch.onnx.export files (tools/fixtures/onnx_weights.py) mapped
 * to our names, format detection before any parser runs, external data, Constant nodes, opaque names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { detectFormat, fittingModels, loadWeights, MMACTION_CONVENTION, PORT_CONVENTION, readMeanCube, readRaw, WeightsError } from '../../src/io/index.js';
import { buildOnnxModel, writeOnnxModel } from '../../src/io/onnx-export.js';
import { getModel, paramShapes, type NetSpec } from '../../src/models/index.js';
import { syntheticParams } from '../../src/nn/index.js';
import { Tensor } from '../../src/tensor/index.js';
import { inspect } from '../../src/cli/commands/inspect.js';
import { assertTensorEquals, expected, fixture, miniShapes, tempDir } from './fixtures.js';

const { onnx } = onnxProto;
const SMALL: NetSpec = getModel('depth-3', { width: 1 / 32, size: 28, length: 4, classes: 3 });

/** Bit-for-bit equality of two param maps. */
function assertSameBits(got: ReadonlyMap<string, Tensor>, want: ReadonlyMap<string, Tensor>): void {
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
  for (const [k, w] of want) {
    const g = got.get(k)!;
    assert.deepEqual([...g.shape], [...w.shape], `${k}: shape`);
    assert.ok(Buffer.from(g.data.buffer, g.data.byteOffset, g.data.byteLength).equals(Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength)), `${k}: bits differ`);
  }
}

/** `c3d inspect FILE` in-process: its stdout. */
async function inspectOut(file: string): Promise<string> {
  let out = '';
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string) => ((out += chunk), true)) as typeof process.stdout.write;
  try {
    assert.equal(await inspect.run([file]), 0);
  } finally {
    process.stdout.write = write;
  }
  return out;
}

/** The port fixture's values under our names (conv1 → conv1a, conv2 → conv2a). */
const portExpected = (): [string, (typeof expected.port_mini)[string]][] =>
  Object.entries(expected.port_mini).map(([k, v]) => [k.replace(/^conv([12])\./, 'conv$1a.'), v]);

test('c3d export-onnx files read back bit for bit, with the recorded spec and input convention', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const params = syntheticParams(SMALL, 7);
    const file = join(dir, 'small.onnx');
    writeOnnxModel(file, SMALL, params, { convention: MMACTION_CONVENTION });
    assert.equal(detectFormat(file), 'onnx');
    const ws = await loadWeights(file);
    assertSameBits(ws.params, params);
    assert.equal(ws.format, 'onnx');
    assert.equal(ws.spec, 'depth-3');
    assert.deepEqual(ws.specDef, JSON.parse(JSON.stringify(SMALL)));
    assert.deepEqual(ws.convention, MMACTION_CONVENTION);

    // The same file under another name, or no extension: still recognised by its fields.
    const bare = join(dir, 'model');
    copyFileSync(file, bare);
    assert.equal(detectFormat(bare), 'onnx');
    // buildOnnxModel alone (what the runtime feeds onnxruntime) records nothing, but reads the same.
    const plain = join(dir, 'plain.onnx');
    writeFileSync(plain, buildOnnxModel(SMALL, params));
    const back = await loadWeights(plain);
    assertSameBits(back.params, params);
    assert.equal(back.spec, undefined);
    assert.equal(back.convention, undefined);
  } finally {
    cleanup();
  }
});

test('ONNX without metadata: C3D\'s pool5 padding tells c3d-sports1m from c3d-pytorch-port', async () => {
  const { dir, cleanup } = tempDir();
  try {
    for (const model of ['c3d-sports1m', 'c3d-pytorch-port']) {
      const spec = getModel(model, { width: 1 / 64, size: 56, classes: 2 });
      const file = join(dir, `${model}.onnx`);
      writeFileSync(file, buildOnnxModel(spec, syntheticParams(spec, 3)));
      assert.equal((await loadWeights(file)).spec, model);
    }
  } finally {
    cleanup();
  }
});

test('the PyTorch port\'s and MMAction2\'s torch.onnx.export files map to our names, spec and convention', async () => {
  for (const [name, convention] of [['port_mini.onnx', PORT_CONVENTION], ['mmaction_mini.onnx', MMACTION_CONVENTION]] as const) {
    const ws = await loadWeights(fixture(name), { expect: miniShapes() });
    for (const [k, e] of portExpected()) assertTensorEquals(ws.params.get(k), e, `${name} ${k}`);
    assert.equal(ws.params.size, portExpected().length);
    assert.equal(ws.spec, 'c3d-pytorch-port');
    assert.deepEqual(ws.convention, convention);
  }
  // keep_initializers_as_inputs lists every weight as a graph input too: only the real one counts.
  const mm = readRaw(fixture('mmaction_mini.onnx'));
  assert.equal(mm.preset, 'mmaction');
  assert.deepEqual(mm.onnx?.inputs, ['imgs float 1×3×2×1×2']);
  assert.deepEqual(mm.onnx?.skipped.length, 1); // the Reshape's int64 shape constant
});

test('format detection says ONNX before any parser reads it; Caffe mean files and feature blobs are still themselves', () => {
  const { dir, cleanup } = tempDir();
  try {
    assert.equal(detectFormat(fixture('port_mini.onnx')), 'onnx');
    assert.equal(detectFormat(fixture('mean_crop.binaryproto')), 'binaryproto');
    assert.equal(detectFormat(fixture('fb_train16_128_mean.binaryproto')), 'binaryproto');
    assert.equal(detectFormat(fixture('000016.fc6-1')), 'caffe-feature');
    const noExt = join(dir, 'mean');
    copyFileSync(fixture('mean_crop.binaryproto'), noExt);
    assert.equal(detectFormat(noExt), 'binaryproto');
    const onnxAsMean = join(dir, 'x.binaryproto');
    copyFileSync(fixture('port_mini.onnx'), onnxAsMean);
    assert.throws(() => detectFormat(onnxAsMean), /x\.binaryproto: wrong magic: a \.binaryproto file should be binaryproto, but the first bytes \(08 07 .*\) are onnx$/);
    const meanAsOnnx = join(dir, 'x.onnx');
    copyFileSync(fixture('mean_crop.binaryproto'), meanAsOnnx);
    // --mean x.onnx: the mean reader says what the file is too.
    assert.throws(() => readMeanCube(onnxAsMean), { message: `${onnxAsMean}: is an ONNX model, not a Caffe mean file (.binaryproto)` });
    assert.equal(readMeanCube(fixture('mean_crop.binaryproto')).shape.join('×'), expected.mean_crop.shape.join('×'));
    assert.throws(() => detectFormat(meanAsOnnx), /x\.onnx: wrong magic: a \.onnx file should be onnx, but the first bytes \(08 01 10 03 .*\) match no known format$/);
  } finally {
    cleanup();
  }
});

/** Our export, decoded for surgery. */
function decoded(params: ReadonlyMap<string, Tensor>): onnxProto.onnx.ModelProto {
  return onnx.ModelProto.decode(buildOnnxModel(SMALL, params));
}

test('external-data initializers are read from beside the model; a missing or escaping file is one clear line', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const params = syntheticParams(SMALL, 5);
    const model = decoded(params);
    const chunks: Buffer[] = [];
    let offset = 0;
    for (const t of model.graph!.initializer!) {
      const raw = Buffer.from(t.rawData!);
      t.rawData = new Uint8Array(0);
      t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
      t.externalData = [
        onnx.StringStringEntryProto.create({ key: 'location', value: 'small.onnx.data' }),
        onnx.StringStringEntryProto.create({ key: 'offset', value: String(offset) }),
        onnx.StringStringEntryProto.create({ key: 'length', value: String(raw.length) }),
      ];
      chunks.push(raw);
      offset += raw.length;
    }
    const file = join(dir, 'small.onnx');
    writeFileSync(file, onnx.ModelProto.encode(model).finish());
    writeFileSync(join(dir, 'small.onnx.data'), Buffer.concat(chunks));
    assertSameBits((await loadWeights(file)).params, params);
    assert.match(await inspectOut(file), /\nexternal data: small\.onnx\.data\n/);

    rmSync(join(dir, 'small.onnx.data'));
    await assert.rejects(loadWeights(file), (e: Error) =>
      e instanceof WeightsError && e.message === `${file}: initializer conv1.weight keeps its data in 'small.onnx.data', which is missing: copy it next to the .onnx file`);

    model.graph!.initializer![0]!.externalData![0]!.value = '../elsewhere.bin';
    writeFileSync(file, onnx.ModelProto.encode(model).finish());
    await assert.rejects(loadWeights(file), { message: `${file}: initializer conv1.weight: external data location '../elsewhere.bin' is outside the model's folder` });
  } finally {
    cleanup();
  }
});

test('Constant nodes, opaque tensor names, Gemm without transB, double and float16 typed fields', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const params = syntheticParams(SMALL, 9);
    const model = decoded(params);
    const g = model.graph as onnxProto.onnx.GraphProto;
    const take = (name: string): onnxProto.onnx.TensorProto => {
      const i = g.initializer.findIndex((t) => t.name === name);
      return g.initializer.splice(i, 1)[0] as onnxProto.onnx.TensorProto;
    };
    const rename = (from: string, to: string): void => {
      for (const n of g.node) n.input = n.input!.map((x) => (x === from ? to : x));
    };
    // conv1.weight as a Constant node, named opaquely as torch does, its node named '/conv1/Conv'.
    const w1 = take('conv1.weight');
    w1.name = '';
    g.node.unshift(onnx.NodeProto.create({ opType: 'Constant', output: ['onnx::Conv_1'], attribute: [onnx.AttributeProto.create({ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: w1 })] }));
    rename('conv1.weight', 'onnx::Conv_1');
    g.node.find((n) => n.name === 'conv1')!.name = '/conv1/Conv';
    // fc6.weight stored transposed (K, O) for a Gemm with transB = 0.
    const fc6 = g.node.find((n) => n.name === 'fc6')!;
    fc6.attribute = fc6.attribute!.filter((a) => a.name !== 'transB');
    const w6 = params.get('fc6.weight')!;
    const [o, k] = w6.shape as [number, number];
    const t6 = new Float32Array(w6.size);
    for (let i = 0; i < o; i++) for (let j = 0; j < k; j++) t6[j * o + i] = w6.data[i * k + j]!;
    const fcInit = take('fc6.weight');
    fcInit.dims = [k, o];
    fcInit.rawData = new Uint8Array(t6.buffer);
    fcInit.name = 'onnx::Gemm_6';
    g.initializer.push(fcInit);
    rename('fc6.weight', 'onnx::Gemm_6');
    // conv2.bias as DOUBLE double_data; fc7.bias as FLOAT16 bit patterns in int32_data (1, −2, …).
    const b2 = g.initializer.find((t) => t.name === 'conv2.bias')! as onnxProto.onnx.TensorProto;
    b2.dataType = onnx.TensorProto.DataType.DOUBLE;
    b2.doubleData = [...params.get('conv2.bias')!.data];
    b2.rawData = new Uint8Array(0);
    const b7 = g.initializer.find((t) => t.name === 'fc7.bias')! as onnxProto.onnx.TensorProto;
    const n7 = params.get('fc7.bias')!.size;
    b7.dataType = onnx.TensorProto.DataType.FLOAT16;
    b7.int32Data = Array.from({ length: n7 }, (_, i) => (i % 2 ? 0xc000 : 0x3c00));
    b7.rawData = new Uint8Array(0);

    const file = join(dir, 'surgery.onnx');
    writeFileSync(file, onnx.ModelProto.encode(model).finish());
    const ws = await loadWeights(file, { expect: paramShapes(SMALL) });
    const want = new Map(params);
    want.set('fc7.bias', new Tensor([n7], Float32Array.from({ length: n7 }, (_, i) => (i % 2 ? -2 : 1))));
    assertSameBits(ws.params, want);
    const out = await inspectOut(file);
    assert.match(out, /\nnamed after their nodes: onnx::Conv_1 → conv1\.weight, onnx::Gemm_6 → fc6\.weight\n/);
  } finally {
    cleanup();
  }
});

test('c3d inspect x.onnx: opset, inputs/outputs, the weights under our names and the models they fit', async () => {
  const out = await inspectOut(fixture('port_mini.onnx'));
  const lines = out.split('\n');
  assert.equal(lines[0], `${fixture('port_mini.onnx')}: onnx`);
  assert.equal(lines[1], "ONNX ir_version 7, opset 13, producer pytorch 1.13.0, graph 'torch_jit', 25 nodes");
  assert.equal(lines[2], 'inputs: input float 1×3×2×1×2');
  assert.equal(lines[3], 'outputs: prob float 1×5');
  assert.match(out, /\nkey map: port; spec c3d-pytorch-port\ninput: RGB 0–255, no mean\n/);
  assert.match(out, /\n {2}conv1\.weight +→ conv1a\.weight +\[4, 3, 3, 3, 3\] +as float32 +324\n/);
  assert.match(out, /\n22 tensors, 3,511 parameters\nfits no built-in model/);

  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'small.onnx');
    writeOnnxModel(file, SMALL, syntheticParams(SMALL, 2));
    const small = await inspectOut(file);
    assert.match(small, /\ninputs: data float N×3×4×28×28\n/);
    assert.match(small, /\nrecords its spec: depth-3 \(classes 3, width 0\.03125, size 28, length 4\)\n/);
  } finally {
    cleanup();
  }
});

test('fittingModels names every built-in net whose shapes the weights have (fc8 size from the weights)', () => {
  // Shapes only: a Tensor-like per parameter, so no 80M floats are allocated.
  const shaped = (shapes: Map<string, number[]>): Map<string, Tensor> => new Map([...shapes].map(([k, s]) => [k, { shape: s } as unknown as Tensor]));
  assert.deepEqual(fittingModels(shaped(paramShapes(getModel('c3d-sports1m', { classes: 101 })))), ['c3d-sports1m', 'c3d-pytorch-port']);
  assert.deepEqual(fittingModels(shaped(paramShapes(getModel('depth-3')))), ['depth-3', 'net-128']);
  assert.deepEqual(fittingModels(shaped(miniShapes())), []);
});
