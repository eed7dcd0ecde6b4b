/**
 * Little-endian raw tensor elements → float32, for every dtype our readers meet (torch storages,
 * safetensors, ONNX float16). Portable (no Node APIs), so the browser page decodes with the same code.
 */

export type TorchDtype = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

export const DTYPE_BYTES: Record<TorchDtype, number> = {
  float32: 4, float64: 8, float16: 2, bfloat16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1,
};

/** Little-endian raw elements → float32 values (copied: `raw` may sit at any byte offset). */
export function decode(raw: Uint8Array, dtype: TorchDtype): Float32Array {
  const n = raw.length / DTYPE_BYTES[dtype];
  const aligned = new Uint8Array(raw.length);
  aligned.set(raw);
  const buf = aligned.buffer;
  switch (dtype) {
    case 'float32': return new Float32Array(buf);
    case 'float64': return Float32Array.from(new Float64Array(buf));
    case 'int64': return Float32Array.from(new BigInt64Array(buf), (v) => Number(v));
    case 'int32': return Float32Array.from(new Int32Array(buf));
    case 'int16': return Float32Array.from(new Int16Array(buf));
    case 'int8': return Float32Array.from(new Int8Array(buf));
    case 'uint8':
    case 'bool': return Float32Array.from(aligned);
    case 'bfloat16': {
      const u16 = new Uint16Array(buf);
      const u32 = new Uint32Array(n);
      for (let i = 0; i < n; i++) u32[i] = u16[i] << 16;
      return new Float32Array(u32.buffer);
    }
    case 'float16': {
      const u16 = new Uint16Array(buf);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = halfToFloat(u16[i]);
      return out;
    }
  }
}

/** IEEE half-precision bits → number. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}
