// Least-squares rows of a 2-D convolution or transposed convolution: at sampled output positions,
// the input values each kernel tap reads (im2col) and the wanted outputs. A channel window restricts
// both to one group of a grouped layer, so each group is its own (small) problem.
import { attrInts, attrString } from '../graph/attributes.js';
import type { NodeProto } from '../onnx/proto.js';
import { resolvePads } from '../score/backward-context.js';
import type { Float32Tensor } from '../score/runner.js';
import { sampleWithoutReplacement } from '../random.js';

/** Where rows go: normal equations, or anything with the same shape (lowrank's projection). */
export interface RowSink {
  readonly n: number;
  add(x: ArrayLike<number>, y: ArrayLike<number>): void;
}

/** Output position: batch index, image in the batch, row, column. */
export type OutputPosition = readonly [number, number, number, number];

/** The input channels [inStart, inStart + inCount) feed the outputs [outStart, outStart + outCount). */
export interface ChannelWindow {
  inStart: number;
  inCount: number;
  outStart: number;
  outCount: number;
}

/** A uniform sample (partial Fisher–Yates) of at most `max` output positions over every batch. */
export function sampleOutputPositions(ys: readonly Float32Tensor[], max: number, random: () => number): OutputPosition[] {
  const positions: OutputPosition[] = [];
  ys.forEach((y, bi) => {
    const [n, , oh, ow] = y.dims as [number, number, number, number];
    for (let i = 0; i < n; i++) for (let r = 0; r < oh; r++) for (let c = 0; c < ow; c++) positions.push([bi, i, r, c]);
  });
  return sampleWithoutReplacement(positions, max, random);
}

/**
 * For output coordinate `out` along one spatial axis and kernel tap `tap`, the input coordinate the
 * tap reads, or -1 (padding, or for a transposed conv a tap that no input lands on).
 */
type TapSource = (axis: number, out: number, tap: number) => number;

function tapSource(node: NodeProto, inSize: readonly number[], kernel: readonly number[]): TapSource {
  const strides = attrInts(node, 'strides', [1, 1]);
  const dil = attrInts(node, 'dilations', [1, 1]);
  if (node.opType === 'ConvTranspose') {
    // y = i·s − pad_begin + tap·d, so i = (y + pad_begin − tap·d) / s when that divides exactly.
    const pads = attrInts(node, 'pads', [0, 0, 0, 0]);
    return (axis, out, tap) => {
      const t = out + pads[axis]! - tap * dil[axis]!;
      if (t < 0 || t % strides[axis]!) return -1;
      const i = t / strides[axis]!;
      return i < inSize[axis]! ? i : -1;
    };
  }
  const pads = resolvePads(attrString(node, 'auto_pad', 'NOTSET'), attrInts(node, 'pads'), [...inSize], [...kernel], strides, dil);
  return (axis, out, tap) => {
    const i = out * strides[axis]! - pads.begin[axis]! + tap * dil[axis]!;
    return i >= 0 && i < inSize[axis]! ? i : -1;
  };
}

/**
 * Adds one row per position: [the window's input patch (channel, tap-row, tap-column order), 1] →
 * the window's outputs at that position. Conv and ConvTranspose (explicit pads) with 2-D kernels.
 */
export function addPatchRows(sink: RowSink, node: NodeProto, inputs: readonly Float32Tensor[], ys: readonly Float32Tensor[], kernelDims: readonly number[], positions: readonly OutputPosition[], window?: ChannelWindow): void {
  const [kh, kw] = kernelDims as [number, number];
  const [, c, h, wd] = inputs[0]!.dims as [number, number, number, number];
  const [, m, oh, ow] = ys[0]!.dims as [number, number, number, number];
  const win = window ?? { inStart: 0, inCount: c, outStart: 0, outCount: m };
  const source = tapSource(node, [h, wd], [kh, kw]);
  const row = new Float64Array(sink.n);
  const target = new Float64Array(win.outCount);
  for (const [bi, n, y, xx] of positions) {
    const x = inputs[bi]!;
    const out = ys[bi]!;
    let f = 0;
    for (let ch = win.inStart; ch < win.inStart + win.inCount; ch++) for (let a = 0; a < kh; a++) {
      const iy = source(0, y, a);
      for (let b = 0; b < kw; b++, f++) {
        const ix = iy < 0 ? -1 : source(1, xx, b);
        row[f] = ix >= 0 ? x.data[((n * c + ch) * h + iy) * wd + ix]! : 0;
      }
    }
    row[f] = 1;
    for (let o = 0; o < win.outCount; o++) target[o] = out.data[((n * m + win.outStart + o) * oh + y) * ow + xx]!;
    sink.add(row, target);
  }
}

/** im2col rows of a whole 2-D convolution at at most `maxPositions` sampled output positions. */
export function addConvRows(sink: RowSink, node: NodeProto, inputs: readonly Float32Tensor[], ys: readonly Float32Tensor[], kernelDims: readonly number[], maxPositions: number, random: () => number): void {
  addPatchRows(sink, node, inputs, ys, kernelDims, sampleOutputPositions(ys, maxPositions, random));
}
