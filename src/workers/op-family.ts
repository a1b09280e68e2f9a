// Operator facts the UI needs: colour family and whether an op passes channels straight through.
// Kept as data (tables), as Netron does, so adding an op is a one-line change.
import type { OpFamily } from './protocol';

const FAMILY: Record<string, OpFamily> = {};
const assign = (family: OpFamily, ops: string): void => {
  for (const op of ops.split(' ')) FAMILY[op] = family;
};
assign('conv', 'Conv ConvTranspose ConvInteger QLinearConv DeformConv');
assign('linear', 'Gemm MatMul MatMulInteger QLinearMatMul Einsum');
assign('norm', 'BatchNormalization InstanceNormalization LayerNormalization GroupNormalization LpNormalization LRN MeanVarianceNormalization');
assign(
  'activation',
  'Relu LeakyRelu PRelu Sigmoid HardSigmoid HardSwish Tanh Clip Elu Selu Celu Gelu Mish Softplus Softsign Softmax LogSoftmax ThresholdedRelu Swish',
);
assign('pool', 'MaxPool AveragePool GlobalAveragePool GlobalMaxPool LpPool GlobalLpPool MaxRoiPool RoiAlign ReduceMean ReduceMax Resize Upsample');
assign('concat-split', 'Concat Split Slice Gather ConcatFromSequence SplitToSequence');
assign('elementwise', 'Add Sub Mul Div Pow Sqrt Exp Log Abs Neg Min Max Sum Mean Erf Reciprocal Floor Ceil Round Where Equal Less Greater Not And Or');
assign('reshape', 'Reshape Flatten Transpose Squeeze Unsqueeze Expand Tile Pad Shape Cast DepthToSpace SpaceToDepth Identity Dropout');
assign('constant', 'Constant ConstantOfShape');

/** The legend family of an op type ('other' when unknown). */
export function opFamily(opType: string): OpFamily {
  return FAMILY[opType] ?? 'other';
}

// Ops with one data input whose output has the input's channels, unchanged in number.
const CHANNEL_TRANSPARENT = new Set(
  (
    'Relu LeakyRelu PRelu Sigmoid HardSigmoid HardSwish Tanh Clip Elu Selu Celu Gelu Mish Softplus Softsign ' +
    'BatchNormalization InstanceNormalization Identity Dropout Swish ThresholdedRelu'
  ).split(' '),
);

/** True for single-data-input ops that keep the channel count (foldable into their producer). */
export function isChannelTransparent(opType: string): boolean {
  return CHANNEL_TRANSPARENT.has(opType);
}

/** Legend order and labels of the families. */
export const FAMILY_LABELS: readonly [OpFamily, string][] = [
  ['conv', 'Convolution'],
  ['linear', 'Linear / MatMul'],
  ['norm', 'Normalization'],
  ['activation', 'Activation'],
  ['pool', 'Pool / Resize'],
  ['concat-split', 'Concat / Split'],
  ['elementwise', 'Elementwise'],
  ['reshape', 'Reshape'],
  ['constant', 'Constant'],
  ['io', 'Input / Output'],
  ['other', 'Other'],
];
