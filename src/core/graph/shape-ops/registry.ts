// Which shape rule handles which ONNX op (default domain). Ops missing here get "no shape rule".
import type { ShapeRule } from './context.js';
import { conv, convTranspose, gemm, globalPool, matMul, pool } from './conv-pool.js';
import { batchNorm, broadcastOp, cast, layerNorm, sameAsInput, unary, where } from './elementwise.js';
import { concat, flatten, gather, identity, reshape, shapeOf, size, slice, split, squeeze, transpose, unsqueeze } from './layout-ops.js';
import { argReduce, constantOfShape, expand, pad, range, reduce, resize, tile, upsample } from './shape-ops.js';
import { constant } from './values.js';
import { depthToSpace, dequantize, gatherElements, likeData, quantize, topK } from './misc-ops.js';

const UNARY = [
  'Relu', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'LeakyRelu', 'PRelu', 'Elu', 'Selu', 'Celu', 'Erf', 'Gelu',
  'Tanh', 'Exp', 'Log', 'Neg', 'Abs', 'Sqrt', 'Reciprocal', 'Floor', 'Ceil', 'Round', 'Sign', 'Softplus',
  'Softsign', 'Mish', 'Sin', 'Cos', 'Clip', 'Softmax', 'LogSoftmax', 'Hardmax', 'InstanceNormalization',
  'GroupNormalization', 'LRN', 'LpNormalization', 'MeanVarianceNormalization', 'ThresholdedRelu', 'Shrink',
  'CumSum', 'IsNaN', 'IsInf', 'Not',
];
const BROADCAST = [
  'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Sum', 'Mean', 'Mod', 'Equal', 'Less', 'Greater',
  'LessOrEqual', 'GreaterOrEqual', 'And', 'Or', 'Xor', 'BitShift',
];
const REDUCE = [
  'ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceLogSum',
  'ReduceLogSumExp', 'ReduceSumSquare',
];

/** opType → rule. */
export const SHAPE_RULES: Record<string, ShapeRule> = {
  ...Object.fromEntries(UNARY.map((op) => [op, unary])),
  ...Object.fromEntries(BROADCAST.map((op) => [op, broadcastOp])),
  ...Object.fromEntries(REDUCE.map((op) => [op, reduce])),
  Identity: identity,
  Dropout: sameAsInput,
  Cast: cast,
  CastLike: (ctx) => [{ shape: ctx.shape(0), dataType: ctx.dtype(1), values: ctx.values(0) }],
  BatchNormalization: batchNorm,
  LayerNormalization: layerNorm,
  Where: where,
  Conv: conv,
  ConvTranspose: convTranspose,
  MaxPool: pool,
  AveragePool: pool,
  LpPool: pool,
  GlobalAveragePool: globalPool,
  GlobalMaxPool: globalPool,
  GlobalLpPool: globalPool,
  Gemm: gemm,
  MatMul: matMul,
  Reshape: reshape,
  Flatten: flatten,
  Transpose: transpose,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Concat: concat,
  Split: split,
  Slice: slice,
  Gather: gather,
  Shape: shapeOf,
  Size: size,
  Pad: pad,
  Resize: resize,
  Upsample: upsample,
  Expand: expand,
  Tile: tile,
  ArgMax: argReduce,
  ArgMin: argReduce,
  Constant: constant,
  ConstantOfShape: constantOfShape,
  Range: range,
  ScatterND: likeData,
  ScatterElements: likeData,
  Scatter: likeData,
  Trilu: likeData,
  GatherElements: gatherElements,
  QuantizeLinear: quantize,
  DequantizeLinear: dequantize,
  DepthToSpace: depthToSpace,
  SpaceToDepth: depthToSpace,
  TopK: topK,
  RandomUniformLike: likeData,
  RandomNormalLike: likeData,
  Bernoulli: likeData,
};
