// Reading and writing tensor payloads. ONNX stores numbers either in raw_data (little-endian bytes)
// or in typed repeated fields; these helpers hide the difference from the rest of core.
import { Long, onnx, TensorDataType, type TensorProto } from './proto.js';

const DT = TensorDataType;
const TensorDataLocation = onnx.TensorProto.DataLocation;

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

/** Throws when the payload lives in a side file that has not been loaded (see external-data.ts). */
function assertPayloadLoaded(t: TensorProto): void {
  if (t.dataLocation === TensorDataLocation.EXTERNAL) {
    const location = t.externalData.find((e) => e.key === 'location')?.value ?? '?';
    throw new Error(
      `tensor "${t.name}": its values are in the external data file "${location}", which is not loaded; ` +
        'open the .onnx file together with its data file',
    );
  }
}

function rawView(t: TensorProto): DataView | undefined {
  assertPayloadLoaded(t);
  const raw = t.rawData;
  if (!raw || raw.length === 0) return undefined;
  const need = tensorSize(t) * bytesPerElement(t.dataType);
  if (raw.byteLength < need) {
    throw new Error(`tensor "${t.name}": raw_data holds ${raw.byteLength} bytes but its shape needs ${need}; the file is corrupt`);
  }
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

/** Rounds to the nearest integer, ties to even (IEEE 754 default, what numpy does). */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d !== 0.5) return d < 0.5 ? f : f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * float64 → IEEE half bits, rounding once, to nearest-even, straight from float64 as
 * numpy.float16(v) does (going through float32 first would round twice).
 */
function floatToHalf(v: number): number {
  if (Number.isNaN(v)) return 0x7e00;
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a >= 65520) return sign | 0x7c00; // 65520 is the midpoint to 65536, which overflows
  if (a < 2 ** -14) return sign | roundHalfEven(a * 2 ** 24); // subnormal (1024 carries into the smallest normal)
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  let mantissa = roundHalfEven((a / 2 ** e - 1) * 1024); // exact: scaling by powers of two
  if (mantissa === 1024) {
    mantissa = 0;
    e++;
  }
  return sign | ((e + 15) << 10) | mantissa;
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
  assertPayloadLoaded(t);
  const raw = t.rawData;
  if (t.dataType === DT.FLOAT && raw && raw.length > 0) {
    if (raw.byteOffset % 4 === 0) return new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
    // Uint8Array.prototype.slice copies even when raw is a Node Buffer (whose own slice is a view).
    return new Float32Array(Uint8Array.prototype.slice.call(raw).buffer);
  }
  return Float32Array.from(tensorToNumbers(t));
}

/** Integer values (shapes, axes, indices) as numbers; int64 beyond 2^53 rounds (use tensorToBigInt64 for exact values). */
export function tensorToInts(t: TensorProto): number[] {
  return Array.from(tensorToNumbers(t));
}

/** Exact values of an INT64 tensor (raw_data or int64_data), for values beyond 2^53. */
export function tensorToBigInt64(t: TensorProto): BigInt64Array {
  if (t.dataType !== DT.INT64) throw new Error(`tensor "${t.name}": data type ${t.dataType} is not INT64`);
  const n = tensorSize(t);
  const out = new BigInt64Array(n);
  const view = rawView(t);
  if (view) {
    for (let i = 0; i < n; i++) out[i] = view.getBigInt64(i * 8, true);
  } else {
    t.int64Data.forEach((v, i) => (out[i] = Long.isLong(v) ? BigInt((v as Long).toString()) : BigInt(v)));
  }
  return out;
}

/** Builds an INT64 tensor in raw_data without passing through float64, so every value stays exact. */
export function makeInt64Tensor(name: string, dims: readonly number[], values: readonly (Long | number | bigint)[]): TensorProto {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => {
    const exact = typeof v === 'bigint' ? v : Long.isLong(v) ? BigInt((v as Long).toString()) : BigInt(Math.trunc(v as number));
    view.setBigInt64(i * 8, exact, true);
  });
  return emptyTensor({ name, dims: dims.map((d) => Long.fromNumber(d)), dataType: DT.INT64, rawData: bytes });
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
