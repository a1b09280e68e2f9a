// Moving known values of small N-D tensors around, for ops that rearrange rather than compute
// (Transpose, Slice). PyTorch's Pad export builds its pads through Reshape → Slice(step −1) →
// Transpose → Reshape, so all of these must carry values for the Pad output to be known.
import type { Dim } from '../shapes.js';

/** Visits every multi-index of `shape` in row-major order. */
function forEachIndex(shape: readonly number[], fn: (index: number[]) => void): void {
  const n = shape.reduce((a, b) => a * b, 1);
  const index = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    fn(index);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d]! < shape[d]!) break;
      index[d] = 0;
    }
  }
}

function offset(index: readonly number[], shape: readonly number[]): number {
  let o = 0;
  for (let d = 0; d < shape.length; d++) o = o * shape[d]! + index[d]!;
  return o;
}

/** Values of `transpose(x, perm)` where x has static `shape`. */
export function transposeValues(values: readonly Dim[], shape: readonly number[], perm: readonly number[]): Dim[] {
  const outShape = perm.map((p) => shape[p]!);
  const out: Dim[] = [];
  const src = new Array<number>(shape.length);
  forEachIndex(outShape, (index) => {
    perm.forEach((p, i) => (src[p] = index[i]!));
    out.push(values[offset(src, shape)]!);
  });
  return out;
}

/** One sliced axis: the first kept index, the step and the number kept. */
export interface AxisRange {
  axis: number;
  start: number;
  step: number;
  len: number;
}

/** Values of a Slice of x (static `shape`) with the given per-axis ranges. */
export function sliceValues(values: readonly Dim[], shape: readonly number[], ranges: readonly AxisRange[]): Dim[] {
  const outShape = [...shape];
  for (const r of ranges) outShape[r.axis] = r.len;
  const out: Dim[] = [];
  const src = new Array<number>(shape.length);
  forEachIndex(outShape, (index) => {
    for (let d = 0; d < shape.length; d++) src[d] = index[d]!;
    for (const r of ranges) src[r.axis] = r.start + index[r.axis]! * r.step;
    out.push(values[offset(src, shape)]!);
  });
  return out;
}
