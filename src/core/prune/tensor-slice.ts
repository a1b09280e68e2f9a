// Slicing constant tensors along one axis, byte-exact for every fixed-size data type.
import { TensorDataType, type TensorProto } from '../onnx/proto.js';
import { bytesPerElement, emptyTensor, makeInt64Tensor, makeTensor, tensorDims, tensorToBigInt64, tensorToNumbers } from '../onnx/tensor.js';
import { Long } from '../onnx/proto.js';

/** The tensor with its payload in raw_data (converting typed fields when needed). */
function rawBytes(t: TensorProto): Uint8Array {
  if (t.rawData && t.rawData.length > 0) return t.rawData;
  const dims = tensorDims(t);
  if (t.dataType === TensorDataType.INT64) return makeInt64Tensor(t.name, dims, Array.from(tensorToBigInt64(t))).rawData;
  return makeTensor(t.name, dims, t.dataType, tensorToNumbers(t)).rawData;
}

type Elements = Uint8Array | Uint16Array | Uint32Array | BigUint64Array;

function view(bytes: Uint8Array, bpe: number): Elements {
  // A copy (not Buffer#slice, which is a view) when the payload is misaligned for a typed view.
  const aligned = bytes.byteOffset % bpe === 0 ? bytes : new Uint8Array(bytes);
  const n = aligned.byteLength / bpe;
  switch (bpe) {
    // A plain Uint8Array view: a Node Buffer's constructor would be the deprecated Buffer().
    case 1: return new Uint8Array(aligned.buffer, aligned.byteOffset, n);
    case 2: return new Uint16Array(aligned.buffer, aligned.byteOffset, n);
    case 4: return new Uint32Array(aligned.buffer, aligned.byteOffset, n);
    default: return new BigUint64Array(aligned.buffer, aligned.byteOffset, (n * bpe) / 8);
  }
}

/** A copy of `t` named `name` keeping only indices `keep` (sorted) along `axis`. */
export function sliceTensor(t: TensorProto, axis: number, keep: readonly number[], name: string = t.name): TensorProto {
  const dims = tensorDims(t);
  let bpe = bytesPerElement(t.dataType);
  if (bpe === 0) throw new Error(`cannot slice tensor "${t.name}": data type ${t.dataType} has no fixed size`);
  const dim = dims[axis];
  if (dim === undefined) throw new Error(`cannot slice tensor "${t.name}" (dims [${dims.join(', ')}]) on axis ${axis}`);
  const bad = keep.find((k) => k < 0 || k >= dim);
  if (bad !== undefined) throw new Error(`cannot keep index ${bad} of axis ${axis} in tensor "${t.name}" (dims [${dims.join(', ')}])`);
  let inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  // 16-byte types (complex128) are copied as pairs of 8-byte words.
  if (bpe === 16) {
    bpe = 8;
    inner *= 2;
  }
  const src = view(rawBytes(t), bpe);
  const out = new (src.constructor as new (n: number) => Elements)(outer * keep.length * inner);
  // Float32 (by far the most common) gets its own monomorphic copy loop.
  if (src instanceof Uint32Array) gather32(src, out as Uint32Array, outer, dim, inner, keep);
  else gatherAny(src, out, outer, dim, inner, keep);
  const newDims = dims.slice();
  newDims[axis] = keep.length;
  return emptyTensor({ name, dataType: t.dataType, dims: newDims.map((d) => Long.fromNumber(d)), rawData: new Uint8Array(out.buffer, out.byteOffset, out.byteLength) });
}

/**
 * A grouped conv weight [M, C/g, ...] keeping, for the output rows of block b (M/g rows each), the
 * input channels local[b] (indices within the block; every block keeps the same number).
 */
export function sliceGroupedInputs(t: TensorProto, local: readonly (readonly number[])[], name: string = t.name): TensorProto {
  const dims = tensorDims(t);
  const rowsPerBlock = dims[0]! / local.length;
  const parts = local.map((keep, b) => sliceTensor(rowsOf(t, dims, b * rowsPerBlock, rowsPerBlock), 1, keep, name));
  const size = parts.reduce((n, p) => n + p.rawData.length, 0);
  const raw = new Uint8Array(size);
  let o = 0;
  for (const p of parts) {
    raw.set(p.rawData, o);
    o += p.rawData.length;
  }
  const newDims = [dims[0]!, local[0]!.length, ...dims.slice(2)];
  return emptyTensor({ name, dataType: t.dataType, dims: newDims.map((d) => Long.fromNumber(d)), rawData: raw });
}

/** Rows [from, from + count) of axis 0 as a tensor sharing the payload. */
function rowsOf(t: TensorProto, dims: number[], from: number, count: number): TensorProto {
  const bytes = rawBytes(t);
  const rowBytes = bytes.length / dims[0]!;
  return emptyTensor({ name: t.name, dataType: t.dataType, dims: [count, ...dims.slice(1)].map((d) => Long.fromNumber(d)), rawData: bytes.subarray(from * rowBytes, (from + count) * rowBytes) });
}

/** An INT64 vector like `t` with entry `position` set to `value` (shape and size constants). */
export function withEntry(t: TensorProto, position: number, value: number, name: string = t.name): TensorProto {
  const values = t.dataType === TensorDataType.INT64 ? Array.from(tensorToBigInt64(t)) : Array.from(tensorToNumbers(t), (v) => BigInt(Math.trunc(v)));
  values[position] = BigInt(value);
  if (t.dataType === TensorDataType.INT64) return makeInt64Tensor(name, tensorDims(t), values);
  return makeTensor(name, tensorDims(t), t.dataType, values.map(Number));
}

/** Copies kept rows [outer][keep][inner] from src [outer][dim][inner]; runs of consecutive indices are copied as one block. */
function gather32(src: Uint32Array, out: Uint32Array, outer: number, dim: number, inner: number, keep: readonly number[]): void {
  let o = 0;
  for (let a = 0; a < outer; a++) {
    const base = a * dim * inner;
    for (let j = 0; j < keep.length; ) {
      let run = 1;
      while (j + run < keep.length && keep[j + run] === keep[j]! + run) run++;
      const from = base + keep[j]! * inner;
      const n = run * inner;
      if (n >= 16) out.set(src.subarray(from, from + n), o);
      else for (let i = 0; i < n; i++) out[o + i] = src[from + i]!;
      o += n;
      j += run;
    }
  }
}

function gatherAny(src: Elements, out: Elements, outer: number, dim: number, inner: number, keep: readonly number[]): void {
  let o = 0;
  for (let a = 0; a < outer; a++) {
    const base = a * dim * inner;
    for (const k of keep) {
      const from = base + k * inner;
      for (let i = 0; i < inner; i++) out[o++] = src[from + i]!;
    }
  }
}
