// Where a weighted layer's weight for (output channel o, input channel c, kernel tap q) lives, for
// every layer recovery refits: Gemm (either transB), Conv and ConvTranspose with any `group`
// (grouped and depthwise included). Bias correction and least squares read weights only through
// this, so a layout is described once.
import { attrInt } from '../graph/attributes.js';
import type { NodeProto } from '../onnx/proto.js';

export interface LayerGeometry {
  readonly op: 'Gemm' | 'MatMul' | 'Conv' | 'ConvTranspose';
  /** Output channels (M) and input channels or features (K) of the whole layer. */
  readonly outputs: number;
  readonly inputs: number;
  /** Kernel taps per (o, c) pair (1 for Gemm). */
  readonly kernel: number;
  readonly group: number;
  /** Input and output channels per group. */
  readonly inputsPerGroup: number;
  readonly outputsPerGroup: number;
  /** Index into the weight's data of (o, c, q), or -1 when input c is in another group than output o. */
  index(o: number, c: number, q: number): number;
}

/**
 * The geometry of `node` (Gemm with transA 0, MatMul by a constant [K, M] matrix, Conv or
 * ConvTranspose) with weight dims `dims`; undefined for other layers. A MatMul reads its features
 * on the input's last axis (a transformer's [B, T, K]); its bias, if any, is the Add after it.
 */
export function layerGeometry(node: NodeProto, dims: readonly number[]): LayerGeometry | undefined {
  const kernel = dims.slice(2).reduce((a, d) => a * d, 1);
  if (node.opType === 'MatMul') {
    if (dims.length !== 2) return undefined;
    const [k, m] = [dims[0]!, dims[1]!];
    return { op: 'MatMul', outputs: m, inputs: k, kernel: 1, group: 1, inputsPerGroup: k, outputsPerGroup: m, index: (o, c) => c * m + o };
  }
  if (node.opType === 'Gemm') {
    if (attrInt(node, 'transA', 0) !== 0 || dims.length !== 2) return undefined;
    // transB = 0 stores W as [K, M]; transB = 1 as [M, K].
    const stored = attrInt(node, 'transB', 0) === 0;
    const [m, k] = stored ? [dims[1]!, dims[0]!] : [dims[0]!, dims[1]!];
    return { op: 'Gemm', outputs: m, inputs: k, kernel: 1, group: 1, inputsPerGroup: k, outputsPerGroup: m, index: stored ? (o, c) => c * m + o : (o, c) => o * k + c };
  }
  if (node.opType !== 'Conv' && node.opType !== 'ConvTranspose') return undefined;
  const group = attrInt(node, 'group', 1);
  if (node.opType === 'Conv') {
    // [M, K/group, k…]
    const [m, kg] = [dims[0]!, dims[1]!];
    const mg = m / group;
    return {
      op: 'Conv', outputs: m, inputs: kg * group, kernel, group, inputsPerGroup: kg, outputsPerGroup: mg,
      index: (o, c, q) => {
        const g = Math.floor(o / mg);
        const local = c - g * kg;
        return local < 0 || local >= kg ? -1 : (o * kg + local) * kernel + q;
      },
    };
  }
  // ConvTranspose: [K, M/group, k…]
  const [k, mg] = [dims[0]!, dims[1]!];
  const kg = k / group;
  return {
    op: 'ConvTranspose', outputs: mg * group, inputs: k, kernel, group, inputsPerGroup: kg, outputsPerGroup: mg,
    index: (o, c, q) => {
      const g = Math.floor(o / mg);
      return Math.floor(c / kg) !== g ? -1 : (c * mg + (o - g * mg)) * kernel + q;
    },
  };
}
