// Reading and writing tensor payloads. ONNX stores numbers either in raw_data (little-endian bytes)
// or in typed repeated fields; these helpers hide the difference from the rest of core.
import { Long, TensorDataType, type TensorProto } from './proto.js';

const DT = TensorDataType;

/** Dimensions of a tensor as plain numbers. */
export function tensorDims(t: TensorProto): number[] {
  return t.dims.map((d) => (Long.isLong(d) ? (d as Long).toNumber() : Number(d)));
}

/** Number of elements of a tensor. */
export function tensorSize(t: TensorProto): number {
  return tensorDims(t).reduce((a, b) => a * b, 1);
}

/** Bytes per element for fixed-size types (0 for strings and unknown types). */
export function bytesPerElement(dataType: number): number {
  switch (dataType) {
    case DT.DOUBLE: case DT.INT64: case DT.UINT64: case DT.COMPLEX64: return 8;
    case DT.COMPLEX128: return 16;
    case DT.FLOAT: case DT.INT32: case DT.UINT32: return 4;
    case DT.FLOAT16: case DT.BFLOAT16: case DT.INT16: case DT.UINT16: return 2;
    case DT.INT8: case DT.UINT8: case DT.BOOL: return 1;
    default: return 0;
  }
}

function rawView(t: TensorProto): DataView | undefined {
  const raw = t.rawData;
  if (!raw || raw.length === 0) return undefined;
  return new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function floatToHalf(v: number): number {
  const f32 = new Float32Array([v]);
  const x = new Uint32Array(f32.buffer)[0]!;
  const sign = (x >>> 16) & 0x8000;
  const e = ((x >>> 23) & 0xff) - 127 + 15;
  let m = x & 0x7fffff;
  if (((x >>> 23) & 0xff) === 0xff) return sign | 0x7c00 | (m ? 0x200 : 0);
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    m = (m | 0x800000) >> (1 - e);
    return sign | ((m + 0x1000) >> 13);
  }
  const half = sign | (e << 10) | (m >> 13);
  return m & 0x1000 ? half + 1 : half; // round half up on the dropped bits
}

function longToNumber(v: Long | number): number {
  return Long.isLong(v) ? (v as Long).toNumber() : Number(v);
}

/** Values of a numeric tensor as float64 numbers (any stored type, raw or typed fields). */
export function tensorToNumbers(t: TensorProto): Float64Array {
  const n = tensorSize(t);
  const out = new Float64Array(n);
  const view = rawView(t);
  const type = t.dataType;
  if (view) {
    for (let i = 0; i < n; i++) {
      switch (type) {
        case DT.FLOAT: out[i] = view.getFloat32(i * 4, true); break;
        case DT.DOUBLE: out[i] = view.getFloat64(i * 8, true); break;
        case DT.FLOAT16: out[i] = halfToFloat(view.getUint16(i * 2, true)); break;
        case DT.BFLOAT16: out[i] = new Float32Array(new Uint32Array([view.getUint16(i * 2, true) << 16]).buffer)[0]!; break;
        case DT.INT64: out[i] = Number(view.getBigInt64(i * 8, true)); break;
        case DT.UINT64: out[i] = Number(view.getBigUint64(i * 8, true)); break;
        case DT.INT32: out[i] = view.getInt32(i * 4, true); break;
        case DT.UINT32: out[i] = view.getUint32(i * 4, true); break;
        case DT.INT16: out[i] = view.getInt16(i * 2, true); break;
        case DT.UINT16: out[i] = view.getUint16(i * 2, true); break;
        case DT.INT8: out[i] = view.getInt8(i); break;
        case DT.UINT8: case DT.BOOL: out[i] = view.getUint8(i); break;
        default: throw new Error(`tensor "${t.name}": data type ${type} is not numeric`);
      }
    }
    return out;
  }
  switch (type) {
    case DT.FLOAT: case DT.COMPLEX64: copyInto(out, t.floatData); break;
    case DT.DOUBLE: case DT.COMPLEX128: copyInto(out, t.doubleData); break;
    case DT.INT64: t.int64Data.forEach((v, i) => (out[i] = longToNumber(v))); break;
    case DT.UINT64: t.uint64Data.forEach((v, i) => (out[i] = Long.isLong(v) ? (v as Long).toUnsigned().toNumber() : Number(v))); break;
    case DT.FLOAT16: t.int32Data.forEach((v, i) => (out[i] = halfToFloat(v))); break;
    case DT.BFLOAT16: t.int32Data.forEach((v, i) => (out[i] = new Float32Array(new Uint32Array([v << 16]).buffer)[0]!)); break;
    default: copyInto(out, t.int32Data); // int32, int16, int8, uint8, uint16, bool live in int32_data
  }
  return out;
}

function copyInto(out: Float64Array, src: ArrayLike<number>): void {
  for (let i = 0; i < out.length && i < src.length; i++) out[i] = src[i]!;
}

/** Values of a float tensor as Float32Array (zero-copy when raw_data is aligned float32). */
export function tensorToFloat32(t: TensorProto): Float32Array {
  const raw = t.rawData;
  if (t.dataType === DT.FLOAT && raw && raw.length > 0) {
    if (raw.byteOffset % 4 === 0) return new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
    return new Float32Array(raw.slice().buffer);
  }
  return Float32Array.from(tensorToNumbers(t));
}

/** Integer values (shapes, axes, indices) as numbers; int64 beyond 2^53 is clamped by Number(). */
export function tensorToInts(t: TensorProto): number[] {
  return Array.from(tensorToNumbers(t));
}

/** Builds a tensor of `dataType` from float values, stored in raw_data. */
export function makeTensor(name: string, dims: readonly number[], dataType: number, values: ArrayLike<number>): TensorProto {
  const bpe = bytesPerElement(dataType);
  const bytes = new Uint8Array(values.length * bpe);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    switch (dataType) {
      case DT.FLOAT: view.setFloat32(i * 4, v, true); break;
      case DT.DOUBLE: view.setFloat64(i * 8, v, true); break;
      case DT.FLOAT16: view.setUint16(i * 2, floatToHalf(v), true); break;
      case DT.BFLOAT16: view.setUint16(i * 2, new Uint32Array(new Float32Array([v]).buffer)[0]! >>> 16, true); break;
      case DT.INT64: view.setBigInt64(i * 8, BigInt(Math.trunc(v)), true); break;
      case DT.UINT64: view.setBigUint64(i * 8, BigInt(Math.trunc(v)), true); break;
      case DT.INT32: view.setInt32(i * 4, v, true); break;
      case DT.UINT32: view.setUint32(i * 4, v, true); break;
      case DT.INT16: view.setInt16(i * 2, v, true); break;
      case DT.UINT16: view.setUint16(i * 2, v, true); break;
      case DT.INT8: view.setInt8(i, v); break;
      case DT.UINT8: case DT.BOOL: view.setUint8(i, v); break;
      default: throw new Error(`cannot build tensor "${name}" of data type ${dataType}`);
    }
  }
  return emptyTensor({ name, dims: dims.map((d) => Long.fromNumber(d)), dataType, rawData: bytes });
}

/** A TensorProto-shaped object with every repeated field present, as the decoder would make it. */
export function emptyTensor(fields: Partial<TensorProto>): TensorProto {
  return {
    dims: [], dataType: DT.FLOAT, name: '', docString: '', rawData: new Uint8Array(), floatData: [], int32Data: [],
    stringData: [], int64Data: [], doubleData: [], uint64Data: [], externalData: [], dataLocation: 0,
    ...fields,
  } as TensorProto;
}
