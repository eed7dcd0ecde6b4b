import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteCursor } from '../../src/io/cursor.js';
import { PyTuple, unpickle } from '../../src/io/torch/pickle.js';
import { TORCH_GLOBALS } from '../../src/io/torch/load.js';

const run = (bytes: number[] | Buffer): unknown =>
  unpickle(ByteCursor.fromBuffer(Buffer.from(bytes), 'x.pkl'), { file: 'x.pkl', globals: TORCH_GLOBALS });
const text = (s: string): Buffer => Buffer.from(s, 'latin1');

test('pickle: protocol-2 containers, ints, floats, strings, memo (bytes as written by CPython)', () => {
  // pickle.dumps({'a': [1, -2, 300, 70000, 2**40], 'b': (1.5, None, True), 'c': 'é'}, protocol=2)
  const bytes = Buffer.from(
    '80027d71002858010000006171015d7102284b014afeffffff4d2c014a701101008a06000000000001655801000000627103' +
      '473ff80000000000004e8887710458010000006371055802000000c3a97106752e',
    'hex',
  );
  const v = run(bytes) as Map<string, unknown>;
  assert.deepEqual(v.get('a'), [1, -2, 300, 70000, 2 ** 40]);
  assert.deepEqual((v.get('b') as PyTuple).items, [1.5, null, true]);
  assert.equal(v.get('c'), 'é');
});

test('pickle: protocol-0 text opcodes', () => {
  // pickle.dumps([1, 'x', 2.5], protocol=0)
  const v = run(text("(lp0\nI1\naVx\np1\naF2.5\na."));
  assert.deepEqual(v, [1, 'x', 2.5]);
});

test('pickle: refuses any global outside the allow-list at the point it is named', () => {
  assert.throws(() => run(text('cos\nsystem\n(S"touch /tmp/x"\ntR.')), /references os\.system, which is not on the allow-list/);
  assert.throws(() => run(text('cbuiltins\ngetattr\n.')), /references builtins\.getattr/);
  // STACK_GLOBAL (protocol 4) path.
  assert.throws(() => run([0x80, 4, 0x8c, 8, ...text('builtins'), 0x8c, 4, ...text('exec'), 0x93, 0x2e]), /references builtins\.exec/);
  // INST (protocol 0 class instantiation).
  assert.throws(() => run(text('(ios\nsystem\n.')), /references os\.system/);
});

test('pickle: allowed value-only globals (storage types) cannot be called', () => {
  assert.throws(() => run(text('ctorch\nFloatStorage\n)R.')), /calls torch\.FloatStorage, which may only appear as a value/);
});

test('pickle: REDUCE on something that is not a global is refused', () => {
  assert.throws(() => run(text('(lp0\n)R.')), /applies a non-global \(list\)/);
});

test('pickle: extension registry and persistent ids in a plain pickle are refused; garbage is reported', () => {
  assert.throws(() => run([0x80, 2, 0x82, 1, 0x2e]), /extension-registry opcodes/);
  assert.throws(() => run(text('S"x"\nQ.')), /persistent id in a plain pickle/);
  assert.throws(() => run([0x80, 2, 0xff]), /unknown opcode 0xff at byte 2/);
  assert.throws(() => run([0x80, 2, 0x5d]), /file is truncated/);
});

test('pickle: numpy scalars in checkpoint metadata decode from their bytes; numpy arrays are refused', () => {
  // pickle.dumps({'s': np.float64(0.823), 'i': np.int64(-7), 'h': np.float16(1.5), 'b': np.bool_(True)}, protocol=2)
  const scalars = Buffer.from(
    '80027d7100285801000000737101636e756d70792e636f72652e6d756c746961727261790a7363616c61720a7102636e756d70790a64747970650a71035802000000663871048988877105527106284b0358010000003c71074e4e4e4affffffff4affffffff4b0074710862635f636f646563730a656e636f64650a7109580b000000c2bc74c293180456c3aa3f710a58060000006c6174696e31710b86710c52710d86710e52710f5801000000697110680268035802000000693871118988877112527113284b0368074e4e4e4affffffff4affffffff4b007471146268095810000000c3b9c3bfc3bfc3bfc3bfc3bfc3bfc3bf7115680b867116527117867118527119580100000068711a6802680358020000006632711b898887711c52711d284b0368074e4e4e4affffffff4affffffff4b0074711e6268095802000000003e711f680b8671205271218671225271235801000000627124680268035802000000623171258988877126527127284b0358010000007c71284e4e4e4affffffff4affffffff4b00747129626809580100000001712a680b86712b52712c86712d52712e752e',
    'hex',
  );
  const v = run(scalars) as Map<string, unknown>;
  assert.deepEqual([...v], [['s', 0.823], ['i', -7], ['h', 1.5], ['b', true]]);
  // pickle.dumps(np.arange(3), protocol=2)
  const array = Buffer.from(
    '8002636e756d70792e636f72652e6d756c746961727261790a5f7265636f6e7374727563740a7100636e756d70790a6e6461727261790a71014b00857102635f636f646563730a656e636f64650a7103580100000062710458060000006c6174696e317105867106527107877108527109284b014b0385710a636e756d70790a64747970650a710b58020000006938710c898887710d52710e284b0358010000003c710f4e4e4e4affffffff4affffffff4b0074711062896803581800000000000000000000000100000000000000020000000000000071116805867112527113747114622e',
    'hex',
  );
  assert.throws(() => run(array), /references numpy\.core\.multiarray\._reconstruct, which is not on the allow-list/);
});
