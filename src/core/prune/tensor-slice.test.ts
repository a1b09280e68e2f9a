// Slicing constant tensors: several axes in one pass, byte-exact for every element size, and in
// place (inside the tensor's own payload) with the same bytes as a copy.
import { describe, expect, it } from 'vitest';
import { TensorDataType } from '../onnx/proto.js';
import { bytesPerElement, emptyTensor, tensorDims } from '../onnx/tensor.js';
import { Long } from '../onnx/proto.js';
import { sliceTensor, sliceTensorAxes, type AxisKeep } from './tensor-slice.js';

/** A tensor of `dims` whose bytes are a counter (every byte distinct modulo 251), so misplaced bytes show. */
function counting(dims: number[], dataType: number, offset = 0) {
  const n = dims.reduce((a, b) => a * b, 1) * bytesPerElement(dataType);
  const bytes = new Uint8Array(n + offset).subarray(offset);
  for (let i = 0; i < n; i++) bytes[i] = (i * 7 + 3) % 251;
  return emptyTensor({ name: 't', dataType, dims: dims.map((d) => Long.fromNumber(d)), rawData: bytes });
}

/** The oracle: element by element over the output multi-index. */
function naive(bytes: Uint8Array, dims: number[], bpe: number, slices: readonly AxisKeep[]): Uint8Array {
  const keeps = dims.map((d, a) => slices.find((s) => s.axis === a)?.keep ?? Array.from({ length: d }, (_, i) => i));
  const outDims = keeps.map((k) => k.length);
  const total = outDims.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(total * bpe);
  for (let o = 0; o < total; o++) {
    let rest = o;
    let src = 0;
    let stride = 1;
    for (let a = dims.length - 1; a >= 0; a--) {
      src += keeps[a]![rest % outDims[a]!]! * stride;
      rest = Math.floor(rest / outDims[a]!);
      stride *= dims[a]!;
    }
    out.set(bytes.subarray(src * bpe, (src + 1) * bpe), o * bpe);
  }
  return out;
}

const CASES: { dims: number[]; slices: AxisKeep[] }[] = [
  { dims: [6, 5, 3, 3], slices: [{ axis: 0, keep: [0, 2, 3, 5] }, { axis: 1, keep: [1, 2, 4] }] },
  { dims: [6, 5, 3, 3], slices: [{ axis: 1, keep: [0, 1, 2, 3] }] },
  { dims: [40, 33], slices: [{ axis: 0, keep: [1, 2, 3, 10, 39] }, { axis: 1, keep: Array.from({ length: 20 }, (_, i) => i + 3) }] },
  { dims: [4, 3, 5], slices: [{ axis: 2, keep: [4] }, { axis: 0, keep: [0, 3] }] },
  { dims: [7], slices: [{ axis: 0, keep: [] }] },
];
const TYPES = [TensorDataType.FLOAT, TensorDataType.INT8, TensorDataType.FLOAT16, TensorDataType.INT64, TensorDataType.COMPLEX128];

describe('sliceTensorAxes', () => {
  it.each(TYPES)('keeps exactly the indexed elements on every sliced axis (type %i), copied or in place', (type) => {
    const bpe = bytesPerElement(type);
    for (const { dims, slices } of CASES) {
      const t = counting(dims, type);
      const want = naive(t.rawData, dims, bpe, slices);
      const copy = sliceTensorAxes(t, slices, 'c');
      expect(tensorDims(copy)).toEqual(dims.map((d, a) => slices.find((s) => s.axis === a)?.keep.length ?? d));
      expect(copy.rawData).toEqual(want);
      // One axis after another gives the same as all at once.
      const sequential = slices.reduce((acc, s) => sliceTensor(acc, s.axis, s.keep), t);
      expect(sequential.rawData).toEqual(want);
      const unaligned = counting(dims, type, 1);
      expect(sliceTensorAxes(unaligned, slices).rawData).toEqual(want);

      const own = counting(dims, type);
      const buffer = own.rawData.buffer;
      const inPlace = sliceTensorAxes(own, slices, 'p', true);
      expect(inPlace.rawData).toEqual(want);
      expect(inPlace.rawData.buffer).toBe(buffer);
    }
  });

  it('refuses indices outside the axis and types without a fixed size', () => {
    expect(() => sliceTensorAxes(counting([4, 3], TensorDataType.FLOAT), [{ axis: 1, keep: [0, 3] }])).toThrow('cannot keep index 3 of axis 1 in tensor "t" (dims [4, 3])');
    expect(() => sliceTensorAxes(counting([4, 3], TensorDataType.FLOAT), [{ axis: 2, keep: [0] }])).toThrow('on axis 2');
    expect(() => sliceTensorAxes(emptyTensor({ name: 's', dataType: TensorDataType.STRING, dims: [Long.fromNumber(2)] }), [{ axis: 0, keep: [0] }])).toThrow('has no fixed size');
  });
});
