/**
 * A safe Python-pickle reader. It interprets the pickle opcodes as DATA: the only callables it will
 * "call" are the few globals a torch state_dict needs, each implemented here in TypeScript (an
 * OrderedDict is a Map, `_rebuild_tensor_v2` returns a TensorRef description…). Any other global —
 * os.system, builtins.eval, a user class — is refused the moment the pickle names it, before anything
 * could be applied; nothing from the file is ever executed.
 */
import type { ByteCursor } from '../cursor.js';
import { WeightsError } from '../errors.js';

/** A Python tuple (kept distinct from lists so persistent ids and shapes read clearly). */
export class PyTuple {
  constructor(readonly items: unknown[]) {}
}

/** A global named by the pickle that the allow-list accepted. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** What an allowed global does when the pickle applies it (REDUCE / NEWOBJ): pure TypeScript. */
export type SafeCall = (args: unknown[], file: string) => unknown;

export interface UnpickleOptions {
  /** Allowed globals, keyed "module.name"; `undefined` value = allowed as a value but not callable. */
  globals: ReadonlyMap<string, SafeCall | undefined>;
  /** Resolves persistent ids (torch's storages); absent = persistent ids are refused. */
  persistentLoad?: (pid: unknown) => unknown;
  /** Labels errors. */
  file: string;
}

/** Reads one pickle from `c` (stops after STOP) and returns its value. */
export function unpickle(c: ByteCursor, opts: UnpickleOptions): unknown {
  const file = opts.file;
  const fail = (msg: string): never => {
    throw new WeightsError(file, `pickle: ${msg}`);
  };
  let stack: unknown[] = [];
  const marks: unknown[][] = [];
  const memo = new Map<number, unknown>();

  const pop = (): unknown => {
    if (stack.length === 0) fail('stack underflow (corrupt pickle)');
    return stack.pop();
  };
  const popMark = (): unknown[] => {
    const items = stack;
    const prev = marks.pop();
    if (!prev) return fail('MARK missing (corrupt pickle)');
    stack = prev;
    return items;
  };
  const top = (): unknown => {
    if (stack.length === 0) fail('stack underflow (corrupt pickle)');
    return stack[stack.length - 1];
  };
  const line = (): string => {
    const bytes: number[] = [];
    for (;;) {
      const b = c.u8('a pickle text line');
      if (b === 0x0a) break;
      bytes.push(b);
    }
    return Buffer.from(bytes).toString('latin1');
  };
  const u32 = (): number => c.bytes(4, 'a pickle argument').readUInt32LE(0);
  const u64 = (): number => {
    const v = c.bytes(8, 'a pickle argument').readBigUInt64LE(0);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail('length field too large');
    return Number(v);
  };
  const resolveGlobal = (module: string, name: string): PyGlobal => {
    const key = `${module}.${name}`;
    if (!opts.globals.has(key)) {
      fail(`refused to load: it references ${key}, which is not on the allow-list of a weights file (nothing was executed)`);
    }
    return new PyGlobal(module, name);
  };
  const apply = (fn: unknown, args: unknown[]): unknown => {
    if (!(fn instanceof PyGlobal)) return fail(`refused to load: it applies a non-global (${describe(fn)}) (nothing was executed)`);
    const impl = opts.globals.get(fn.qualified);
    if (!impl) return fail(`refused to load: it calls ${fn.qualified}, which may only appear as a value (nothing was executed)`);
    return impl(args, file);
  };
  const setItems = (d: unknown, items: unknown[]): void => {
    if (!(d instanceof Map)) fail(`SETITEM(S) on a ${describe(d)}`);
    if (items.length % 2) fail('SETITEMS with an odd number of items');
    for (let i = 0; i < items.length; i += 2) (d as Map<unknown, unknown>).set(items[i], items[i + 1]);
  };
  const append = (l: unknown, items: unknown[]): void => {
    if (l instanceof Set) items.forEach((x) => l.add(x));
    else if (Array.isArray(l)) l.push(...items);
    else fail(`APPEND(S) on a ${describe(l)}`);
  };
  const persistent = (pid: unknown): unknown => {
    if (!opts.persistentLoad) return fail('refused to load: persistent id in a plain pickle');
    return opts.persistentLoad(pid);
  };

  for (;;) {
    const op = c.u8('a pickle opcode');
    switch (op) {
      case 0x80: // PROTO
        c.u8();
        break;
      case 0x95: // FRAME
        c.skip(8);
        break;
      case 0x2e: // STOP
        if (stack.length !== 1) fail(`STOP with ${stack.length} values on the stack`);
        return stack[0];
      case 0x28: // MARK
        marks.push(stack);
        stack = [];
        break;
      case 0x30: // POP
        if (stack.length) stack.pop();
        else popMark();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        stack.push(c.bytes(4).readInt32LE(0));
        break;
      case 0x4b: // BININT1
        stack.push(c.u8());
        break;
      case 0x4d: // BININT2
        stack.push(c.bytes(2).readUInt16LE(0));
        break;
      case 0x8a: // LONG1
        stack.push(decodeLong(c.bytes(c.u8())));
        break;
      case 0x8b: // LONG4
        stack.push(decodeLong(c.bytes(u32())));
        break;
      case 0x49: { // INT (text; "01"/"00" are bools)
        const s = line().trim();
        stack.push(s === '01' ? true : s === '00' ? false : toNumber(BigInt(s)));
        break;
      }
      case 0x4c: // LONG (text)
        stack.push(toNumber(BigInt(line().trim().replace(/L$/, ''))));
        break;
      case 0x46: // FLOAT (text)
        stack.push(Number.parseFloat(line()));
        break;
      case 0x47: // BINFLOAT (big-endian double)
        stack.push(c.bytes(8).readDoubleBE(0));
        break;
      case 0x58: // BINUNICODE
        stack.push(c.bytes(u32(), 'a pickle string').toString('utf8'));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(c.bytes(c.u8(), 'a pickle string').toString('utf8'));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(c.bytes(u64(), 'a pickle string').toString('utf8'));
        break;
      case 0x56: // UNICODE (raw-unicode-escape text)
        stack.push(line().replace(/\\u([0-9a-fA-F]{4})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))));
        break;
      case 0x54: // BINSTRING
        stack.push(c.bytes(u32(), 'a pickle string').toString('latin1'));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(c.bytes(c.u8(), 'a pickle string').toString('latin1'));
        break;
      case 0x53: // STRING (quoted text)
        stack.push(line().trim().slice(1, -1));
        break;
      case 0x42: // BINBYTES
        stack.push(new Uint8Array(c.bytes(u32(), 'pickle bytes')));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(new Uint8Array(c.bytes(c.u8(), 'pickle bytes')));
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        stack.push(new Uint8Array(c.bytes(u64(), 'pickle bytes')));
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: { // LIST (pop the mark BEFORE touching `stack`: popMark swaps the array)
        const items = popMark();
        stack.push(items);
        break;
      }
      case 0x61: { // APPEND
        const v = pop();
        append(top(), [v]);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x29: // EMPTY_TUPLE
        stack.push(new PyTuple([]));
        break;
      case 0x74: { // TUPLE
        const items = popMark();
        stack.push(new PyTuple(items));
        break;
      }
      case 0x85: // TUPLE1
        stack.push(new PyTuple([pop()]));
        break;
      case 0x86: { // TUPLE2
        const b = pop();
        stack.push(new PyTuple([pop(), b]));
        break;
      }
      case 0x87: { // TUPLE3
        const cc = pop();
        const b = pop();
        stack.push(new PyTuple([pop(), b, cc]));
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x64: { // DICT
        const d = new Map();
        const items = popMark();
        setItems(d, items);
        stack.push(d);
        break;
      }
      case 0x73: { // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x8f: // EMPTY_SET
        stack.push(new Set());
        break;
      case 0x90: { // ADDITEMS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x91: { // FROZENSET
        const items = popMark();
        stack.push(new Set(items));
        break;
      }
      case 0x63: { // GLOBAL "module\nname\n"
        const module = line();
        stack.push(resolveGlobal(module, line()));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        stack.push(resolveGlobal(module as string, name as string));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        const fn = pop();
        if (!(args instanceof PyTuple)) fail('REDUCE arguments are not a tuple');
        stack.push(apply(fn, (args as PyTuple).items));
        break;
      }
      case 0x81: { // NEWOBJ
        const args = pop();
        const cls = pop();
        if (!(args instanceof PyTuple)) fail('NEWOBJ arguments are not a tuple');
        stack.push(apply(cls, (args as PyTuple).items));
        break;
      }
      case 0x92: { // NEWOBJ_EX
        pop(); // kwargs
        const args = pop();
        const cls = pop();
        if (!(args instanceof PyTuple)) fail('NEWOBJ_EX arguments are not a tuple');
        stack.push(apply(cls, (args as PyTuple).items));
        break;
      }
      case 0x69: { // INST "module\nname\n" + marked args
        const module = line();
        const g = resolveGlobal(module, line());
        const args = popMark();
        stack.push(apply(g, args));
        break;
      }
      case 0x6f: { // OBJ: marked (cls, *args)
        const [cls, ...args] = popMark();
        const obj = apply(cls, args);
        stack.push(obj);
        break;
      }
      case 0x62: { // BUILD: sets an object's state. Data only: recorded beside the object, never applied.
        const state = pop();
        const obj = top();
        if (typeof obj === 'object' && obj !== null) pickleState.set(obj, state);
        break;
      }
      case 0x50: // PERSID (text)
        stack.push(persistent(line()));
        break;
      case 0x51: // BINPERSID
        stack.push(persistent(pop()));
        break;
      case 0x70: // PUT (text)
        memo.set(Number.parseInt(line(), 10), top());
        break;
      case 0x71: // BINPUT
        memo.set(c.u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x67: // GET (text)
        stack.push(memoGet(memo, Number.parseInt(line(), 10), fail));
        break;
      case 0x68: // BINGET
        stack.push(memoGet(memo, c.u8(), fail));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(memoGet(memo, u32(), fail));
        break;
      case 0x82:
      case 0x83:
      case 0x84:
        return fail('refused to load: extension-registry opcodes (EXT1/2/4) are not allowed');
      case 0x97:
      case 0x98:
        return fail('refused to load: out-of-band buffers (protocol 5) are not supported');
      default:
        return fail(`unknown opcode 0x${op.toString(16)} at byte ${c.pos - 1} (corrupt or not a pickle)`);
    }
  }
}

/** State given to an object by BUILD (a state_dict's `_metadata`, a numpy dtype's byte order). */
export const pickleState = new WeakMap<object, unknown>();

function memoGet(memo: Map<number, unknown>, i: number, fail: (m: string) => never): unknown {
  if (!memo.has(i)) fail(`memo key ${i} missing (corrupt pickle)`);
  return memo.get(i);
}

function decodeLong(b: Buffer): number | bigint {
  if (b.length === 0) return 0;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
  return toNumber(v);
}

function toNumber(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

export function describe(x: unknown): string {
  if (x === null) return 'None';
  if (x instanceof PyTuple) return 'tuple';
  if (x instanceof PyGlobal) return x.qualified;
  if (x instanceof Map) return 'dict';
  if (Array.isArray(x)) return 'list';
  if (x instanceof Uint8Array) return 'bytes';
  if (typeof x === 'object') return (x as object).constructor?.name ?? 'object';
  return typeof x;
}
