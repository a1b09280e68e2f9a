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

/** Indices to keep (sorted, distinct) along one axis. */
export interface AxisKeep {
  axis: number;
  keep: readonly number[];
}

/** A copy of `t` named `name` keeping only indices `keep` (sorted) along `axis`. */
export function sliceTensor(t: TensorProto, axis: number, keep: readonly number[], name: string = t.name): TensorProto {
  return sliceTensorAxes(t, [{ axis, keep }], name);
}

/**
 * `t` named `name` keeping indices along several axes at once: one pass, with no intermediate
 * tensor per axis. With `inPlace`, the kept values are moved to the front of t's own payload
 * (every value moves towards the start, so none is overwritten before it is read) and the result
 * is a view of it: no new memory, and t's payload is spent (the caller must own t and drop it).
 */
export function sliceTensorAxes(t: TensorProto, slices: readonly AxisKeep[], name: string = t.name, inPlace = false): TensorProto {
  const dims = tensorDims(t);
  let bpe = bytesPerElement(t.dataType);
  if (bpe === 0) throw new Error(`cannot slice tensor "${t.name}": data type ${t.dataType} has no fixed size`);
  const keeps: (readonly number[] | undefined)[] = dims.map(() => undefined);
  for (const { axis, keep } of slices) {
    const dim = dims[axis];
    if (dim === undefined) throw new Error(`cannot slice tensor "${t.name}" (dims [${dims.join(', ')}]) on axis ${axis}`);
    const bad = keep.find((k) => k < 0 || k >= dim);
    if (bad !== undefined) throw new Error(`cannot keep index ${bad} of axis ${axis} in tensor "${t.name}" (dims [${dims.join(', ')}])`);
    keeps[axis] = keep;
  }
  const newDims = dims.map((d, a) => keeps[a]?.length ?? d);
  const last = keeps.findLastIndex((k) => k !== undefined);
  // Axes after the last sliced one are copied whole: they fold into one contiguous inner block.
  let inner = dims.slice(last + 1).reduce((a, b) => a * b, 1);
  // 16-byte types (complex128) are copied as pairs of 8-byte words.
  if (bpe === 16) {
    bpe = 8;
    inner *= 2;
  }
  const src = view(inPlace ? ownedRaw(t) : rawBytes(t), bpe);
  const count = newDims.slice(0, last + 1).reduce((a, b) => a * b, 1) * inner;
  const out = inPlace ? src.subarray(0, count) : new (src.constructor as new (n: number) => Elements)(count);
  const strides = dims.slice(0, last + 1).map((_, a) => dims.slice(a + 1, last + 1).reduce((x, y) => x * y, 1) * inner);
  const g: Gather = { src, out, dims: dims.slice(0, last + 1), keeps, strides, inner, o: 0 };
  if (last >= 0) gather(g, 0, 0);
  else copyBlock(g, 0, count);
  return emptyTensor({ name, dataType: t.dataType, dims: newDims.map((d) => Long.fromNumber(d)), rawData: new Uint8Array(out.buffer, out.byteOffset, out.byteLength) });
}

/** t's raw_data, which an in-place slice may overwrite: the tensor must hold it in raw form. */
function ownedRaw(t: TensorProto): Uint8Array {
  if (!t.rawData?.length) throw new Error(`cannot slice tensor "${t.name}" in place: its values are not in raw_data`);
  return t.rawData;
}

interface Gather {
  src: Elements;
  out: Elements;
  /** Dims up to the last sliced axis, their strides (elements), and the kept indices per axis. */
  dims: number[];
  strides: number[];
  keeps: (readonly number[] | undefined)[];
  /** Elements per index of the last sliced axis. */
  inner: number;
  /** Next output element. */
  o: number;
}

/** Copies, in output order, the kept elements below `base` from axis `axis` on. */
function gather(g: Gather, axis: number, base: number): void {
  const keep = g.keeps[axis];
  const dim = g.dims[axis]!;
  const n = keep ? keep.length : dim;
  const stride = g.strides[axis]!;
  if (axis < g.dims.length - 1) {
    for (let j = 0; j < n; j++) gather(g, axis + 1, base + (keep ? keep[j]! : j) * stride);
    return;
  }
  // The last sliced axis: runs of consecutive kept indices are one block copy.
  for (let j = 0; j < n; ) {
    let run = 1;
    if (keep) while (j + run < n && keep[j + run] === keep[j]! + run) run++;
    else run = n;
    copyBlock(g, base + (keep ? keep[j]! : j) * stride, run * stride);
    j += run;
  }
}

function copyBlock(g: Gather, from: number, n: number): void {
  const { src, out, o } = g;
  // In place, blocks only move towards the start (o <= from): copyWithin and a forward loop are safe.
  if (n >= 16) {
    if (src.buffer !== out.buffer) out.set(src.subarray(from, from + n) as never, o);
    else if (from !== o) src.copyWithin(o, from, from + n);
  } else {
    for (let i = 0; i < n; i++) out[o + i] = src[from + i]!;
  }
  g.o = o + n;
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
