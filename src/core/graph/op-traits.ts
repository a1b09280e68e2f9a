// Operator facts as data (as Netron's metadata does): one entry per ONNX op type of the default
// domain says its legend family, whether it passes channels straight through, and which channel,
// shape and backward rule handles it. The rule tables of the channel analysis, shape inference and
// the generated backward graph, and the UI's families, are all derived from this table, so adding
// an operator is one entry here (plus an implementation when no existing rule fits).
//
// The rules are named by id, not imported: this module is pure data, so the UI can read families
// without pulling in the engine, and the rule modules can never form an import cycle through it.
//
// An op without a channel rule is a barrier for any tracked channels reaching it. Where an op has
// a shape rule but no channel rule, that is on purpose; the reason is given beside the entry.

/** Colour/legend family of an operator ('io' for graph inputs/outputs, 'other' when unknown). */
export type OpFamily = 'conv' | 'norm' | 'activation' | 'pool' | 'concat-split' | 'elementwise' | 'reshape' | 'linear' | 'quantize' | 'constant' | 'io' | 'other';

/** Channel rules (src/core/graph/channels/rules-*.ts), by id. */
export type ChannelRuleId =
  | 'passThrough' | 'cast' | 'elementwise' | 'prelu' | 'pool' | 'reduce' | 'gather' | 'softmax' | 'sink'
  | 'conv' | 'convTranspose' | 'gemm' | 'matmul' | 'batchNorm' | 'instanceNorm' | 'layerNorm' | 'groupNorm'
  | 'transpose' | 'squeeze' | 'unsqueeze' | 'flatten' | 'reshape' | 'concat' | 'split' | 'slice' | 'expand' | 'tile' | 'pad' | 'resize'
  | 'convInteger' | 'qlinearConv' | 'matmulInteger' | 'qlinearMatmul' | 'quantizeLinear' | 'dynamicQuantizeLinear';

/** Shape rules (src/core/graph/shape-ops/*.ts), by id. */
export type ShapeRuleId =
  | 'unary' | 'broadcast' | 'reduce' | 'identity' | 'sameAsInput' | 'cast' | 'castLike' | 'batchNorm' | 'layerNorm' | 'where'
  | 'conv' | 'convTranspose' | 'pool' | 'globalPool' | 'gemm' | 'matMul'
  | 'reshape' | 'flatten' | 'transpose' | 'squeeze' | 'unsqueeze' | 'concat' | 'split' | 'slice' | 'gather' | 'shape' | 'size'
  | 'pad' | 'resize' | 'upsample' | 'expand' | 'tile' | 'argReduce' | 'constant' | 'constantOfShape' | 'range'
  | 'likeData' | 'gatherElements' | 'quantize' | 'dequantize' | 'depthToSpace' | 'topK'
  | 'convInteger' | 'qlinearConv' | 'matMulInteger' | 'qlinearMatMul' | 'dynamicQuantize';

/** Backward (vector-Jacobian) rules (src/core/score/backward-ops.ts, backward-layout.ts, backward-dense.ts, backward-attention.ts), by id. */
export type BackwardRuleId =
  | 'conv' | 'gemm' | 'matmul' | 'batchNorm' | 'relu' | 'leakyRelu' | 'clip' | 'sigmoid' | 'tanh' | 'hardSigmoid' | 'hardSwish'
  | 'passThrough' | 'add' | 'sub' | 'mul' | 'div'
  | 'concat' | 'split' | 'reshape' | 'transpose' | 'maxPool' | 'averagePool' | 'globalAveragePool' | 'globalMaxPool' | 'reduceMean'
  | 'convTranspose' | 'resize' | 'pad' | 'slice' | 'prelu' | 'cast'
  | 'pow' | 'sqrt' | 'gather' | 'expand' | 'where' | 'softmax' | 'logSoftmax' | 'layerNorm' | 'instanceNorm' | 'erf' | 'gelu';

export interface OpTraits {
  family: OpFamily;
  /**
   * One data input, and output 0 has input 0's channels in place, one for one: scores follow such
   * ops to the feature map the next layer reads, and compact graphs fold them into their producer.
   */
  perChannel?: true;
  channel?: ChannelRuleId;
  shape?: ShapeRuleId;
  backward?: BackwardRuleId;
}

type RuleKind = 'channel' | 'shape' | 'backward';
/** The rule ids of one kind. */
export type RuleId<K extends RuleKind> = NonNullable<OpTraits[K]>;

const act = (backward?: BackwardRuleId): OpTraits => ({ family: 'activation', perChannel: true, channel: 'passThrough', shape: 'unary', ...(backward && { backward }) });
const math = (family: OpFamily = 'elementwise'): OpTraits => ({ family, channel: 'passThrough', shape: 'unary' });
const binary = (backward?: BackwardRuleId): OpTraits => ({ family: 'elementwise', channel: 'elementwise', shape: 'broadcast', ...(backward && { backward }) });
const reduceOp: OpTraits = { family: 'pool', channel: 'reduce', shape: 'reduce' };
const familyOnly = (family: OpFamily): OpTraits => ({ family });

/** Every operator the engine knows, by op type (default ONNX domain). */
export const OP_TRAITS: Readonly<Record<string, OpTraits>> = Object.assign(Object.create(null) as Record<string, OpTraits>, {
  // Per-channel activations.
  Relu: act('relu'), LeakyRelu: act('leakyRelu'), Clip: act('clip'), Sigmoid: act('sigmoid'), Tanh: act('tanh'),
  HardSigmoid: act('hardSigmoid'), HardSwish: act('hardSwish'),
  Elu: act(), Selu: act(), Celu: act(), Gelu: act('gelu'), Mish: act(), Softplus: act(), Softsign: act(), ThresholdedRelu: act(), Shrink: act(),
  Swish: act(), // opset 24: x·sigmoid(αx), element-wise
  // The slope is a broadcast constant: the element-wise rule slices it per channel.
  PRelu: { family: 'activation', perChannel: true, channel: 'prelu', shape: 'unary', backward: 'prelu' },
  Softmax: { family: 'activation', channel: 'softmax', shape: 'unary', backward: 'softmax' },
  LogSoftmax: { family: 'activation', channel: 'softmax', shape: 'unary', backward: 'logSoftmax' },
  Hardmax: { family: 'activation', channel: 'softmax', shape: 'unary' },

  // Element-wise math: channels stay, but these are not layers one scores after.
  Erf: { ...math(), backward: 'erf' }, Abs: math(), Neg: math(), Exp: math(), Log: math(), Sqrt: { ...math(), backward: 'sqrt' }, Reciprocal: math(), Floor: math(), Ceil: math(),
  Round: math(), Sign: math(), Not: math(), Sin: math(), Cos: math(), IsNaN: math(), IsInf: math(),
  Add: binary('add'), Sum: binary('add'), Sub: binary('sub'), Mul: binary('mul'), Div: binary('div'),
  Pow: binary('pow'), Max: binary(), Min: binary(), Mean: binary(), Mod: binary(), BitShift: binary(),
  Equal: binary(), Less: binary(), Greater: binary(), LessOrEqual: binary(), GreaterOrEqual: binary(), And: binary(), Or: binary(), Xor: binary(),
  Where: { family: 'elementwise', channel: 'elementwise', shape: 'where', backward: 'where' },
  // Barriers on purpose: a running sum along an axis mixes channels when that axis is the channel axis (no axis check yet).
  CumSum: { family: 'elementwise', shape: 'unary' },
  // Barrier on purpose: the mask depends on positions in the last two axes.
  Trilu: { family: 'other', shape: 'likeData' },

  // Normalisation.
  BatchNormalization: { family: 'norm', perChannel: true, channel: 'batchNorm', shape: 'batchNorm', backward: 'batchNorm' },
  InstanceNormalization: { family: 'norm', perChannel: true, channel: 'instanceNorm', shape: 'unary', backward: 'instanceNorm' },
  LayerNormalization: { family: 'norm', channel: 'layerNorm', shape: 'layerNorm', backward: 'layerNorm' },
  // A barrier rule with its own reason: statistics are taken over groups of channels.
  GroupNormalization: { family: 'norm', channel: 'groupNorm', shape: 'unary' },
  // Barriers on purpose: LRN sums over neighbouring channels; LpNormalization and
  // MeanVarianceNormalization normalise over axes that may include the channel axis.
  LRN: { family: 'norm', shape: 'unary' },
  LpNormalization: { family: 'norm', shape: 'unary' },
  MeanVarianceNormalization: { family: 'norm', shape: 'unary' },

  // Convolution and linear layers: the channel producers.
  Conv: { family: 'conv', channel: 'conv', shape: 'conv', backward: 'conv' },
  ConvTranspose: { family: 'conv', channel: 'convTranspose', shape: 'convTranspose', backward: 'convTranspose' },
  Gemm: { family: 'linear', channel: 'gemm', shape: 'gemm', backward: 'gemm' },
  MatMul: { family: 'linear', channel: 'matmul', shape: 'matMul', backward: 'matmul' },
  // Quantized layers (dynamic: ConvInteger/MatMulInteger; QOperator: QLinearConv/QLinearMatMul).
  ConvInteger: { family: 'conv', channel: 'convInteger', shape: 'convInteger' },
  QLinearConv: { family: 'conv', channel: 'qlinearConv', shape: 'qlinearConv' },
  MatMulInteger: { family: 'linear', channel: 'matmulInteger', shape: 'matMulInteger' },
  QLinearMatMul: { family: 'linear', channel: 'qlinearMatmul', shape: 'qlinearMatMul' },
  DeformConv: familyOnly('conv'), Einsum: familyOnly('linear'),

  // Pooling, reductions, resizing.
  MaxPool: { family: 'pool', channel: 'pool', shape: 'pool', backward: 'maxPool' },
  AveragePool: { family: 'pool', channel: 'pool', shape: 'pool', backward: 'averagePool' },
  LpPool: { family: 'pool', channel: 'pool', shape: 'pool' },
  GlobalAveragePool: { family: 'pool', channel: 'pool', shape: 'globalPool', backward: 'globalAveragePool' },
  GlobalMaxPool: { family: 'pool', channel: 'pool', shape: 'globalPool', backward: 'globalMaxPool' },
  GlobalLpPool: { family: 'pool', channel: 'pool', shape: 'globalPool' },
  ReduceMean: { ...reduceOp, backward: 'reduceMean' },
  ReduceMax: reduceOp, ReduceMin: reduceOp, ReduceSum: reduceOp, ReduceProd: reduceOp, ReduceL1: reduceOp, ReduceL2: reduceOp,
  ReduceLogSum: reduceOp, ReduceLogSumExp: reduceOp, ReduceSumSquare: reduceOp,
  // Barriers on purpose: the output holds positions along an axis, not channels.
  ArgMax: { family: 'pool', shape: 'argReduce' },
  ArgMin: { family: 'pool', shape: 'argReduce' },
  Resize: { family: 'pool', channel: 'resize', shape: 'resize', backward: 'resize' },
  Upsample: { family: 'pool', channel: 'resize', shape: 'upsample', backward: 'resize' },
  MaxRoiPool: familyOnly('pool'), RoiAlign: familyOnly('pool'),

  // Joining and cutting the channel axis.
  Concat: { family: 'concat-split', channel: 'concat', shape: 'concat', backward: 'concat' },
  Split: { family: 'concat-split', channel: 'split', shape: 'split', backward: 'split' },
  Slice: { family: 'concat-split', channel: 'slice', shape: 'slice', backward: 'slice' },
  // Along the channel axis a barrier on purpose: indices pick arbitrary positions, so which channels survive is data.
  Gather: { family: 'concat-split', channel: 'gather', shape: 'gather', backward: 'gather' },
  GatherElements: { family: 'concat-split', shape: 'gatherElements' },
  ScatterND: { family: 'other', shape: 'likeData' },
  ScatterElements: { family: 'other', shape: 'likeData' },
  Scatter: { family: 'other', shape: 'likeData' },
  ConcatFromSequence: familyOnly('concat-split'), SplitToSequence: familyOnly('concat-split'),

  // Layout: channels move between axes or are repeated; sizes are read.
  Reshape: { family: 'reshape', channel: 'reshape', shape: 'reshape', backward: 'reshape' },
  Flatten: { family: 'reshape', channel: 'flatten', shape: 'flatten', backward: 'reshape' },
  Squeeze: { family: 'reshape', channel: 'squeeze', shape: 'squeeze', backward: 'reshape' },
  Unsqueeze: { family: 'reshape', channel: 'unsqueeze', shape: 'unsqueeze', backward: 'reshape' },
  Transpose: { family: 'reshape', channel: 'transpose', shape: 'transpose', backward: 'transpose' },
  Expand: { family: 'reshape', channel: 'expand', shape: 'expand', backward: 'expand' },
  Tile: { family: 'reshape', channel: 'tile', shape: 'tile' },
  Pad: { family: 'reshape', channel: 'pad', shape: 'pad', backward: 'pad' },
  Shape: { family: 'reshape', channel: 'sink', shape: 'shape' },
  Size: { family: 'reshape', channel: 'sink', shape: 'size' },
  Identity: { family: 'reshape', perChannel: true, channel: 'passThrough', shape: 'identity', backward: 'passThrough' },
  Dropout: { family: 'reshape', perChannel: true, channel: 'passThrough', shape: 'sameAsInput', backward: 'passThrough' },
  Cast: { family: 'reshape', channel: 'cast', shape: 'cast', backward: 'cast' },
  // Barrier on purpose: input 1 only donates its type, and a tracked input 1 would not be followed.
  CastLike: { family: 'reshape', shape: 'castLike' },
  // Barriers on purpose: channels are rearranged into spatial positions (and back).
  DepthToSpace: { family: 'reshape', shape: 'depthToSpace' },
  SpaceToDepth: { family: 'reshape', shape: 'depthToSpace' },

  // Constants and generators: no tracked inputs.
  Constant: { family: 'constant', shape: 'constant' },
  ConstantOfShape: { family: 'constant', shape: 'constantOfShape' },
  Range: { family: 'constant', shape: 'range' },
  RandomUniformLike: { family: 'other', shape: 'likeData' },
  RandomNormalLike: { family: 'other', shape: 'likeData' },
  Bernoulli: { family: 'other', shape: 'likeData' },

  // Quantization of activations: channels stay; per-axis parameters along them are sliced.
  QuantizeLinear: { family: 'quantize', channel: 'quantizeLinear', shape: 'quantize' },
  DequantizeLinear: { family: 'quantize', channel: 'quantizeLinear', shape: 'dequantize' },
  DynamicQuantizeLinear: { family: 'quantize', channel: 'dynamicQuantizeLinear', shape: 'dynamicQuantize' },
  // Barrier on purpose: TopK's outputs hold the k largest along an axis.
  TopK: { family: 'other', shape: 'topK' },
} satisfies Record<string, OpTraits>);

/** The traits of an op type of the default domain (undefined when the engine does not know it). */
export function opTraits(opType: string): OpTraits | undefined {
  return OP_TRAITS[opType];
}

/** True for ops of the default ONNX domain, the only domain the tables describe. */
export function isDefaultDomain(domain: string): boolean {
  return domain === '' || domain === 'ai.onnx';
}

/**
 * opType → implementation for every op whose traits name a rule of `kind`. `impls` must hold every
 * id of that kind (a type error otherwise), so a table entry can never name a missing rule.
 */
export function rulesByOp<K extends RuleKind, T extends Readonly<Record<RuleId<K>, unknown>>>(kind: K, impls: T): Readonly<Record<string, T[RuleId<K>]>> {
  const out = Object.create(null) as Record<string, T[RuleId<K>]>;
  for (const [op, traits] of Object.entries(OP_TRAITS)) {
    const id = traits[kind] as RuleId<K> | undefined;
    if (id !== undefined) out[op] = impls[id];
  }
  return out;
}
