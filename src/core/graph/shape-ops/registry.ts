// The implementation of every shape rule id; which ONNX op uses which is in ../op-traits.ts.
// Ops without a shape rule there get "no shape rule".
import type { ShapeRule } from './context.js';
import { conv, convTranspose, gemm, globalPool, matMul, pool } from './conv-pool.js';
import { batchNorm, broadcastOp, cast, layerNorm, sameAsInput, unary, where } from './elementwise.js';
import { concat, flatten, gather, identity, reshape, shapeOf, size, slice, split, squeeze, transpose, unsqueeze } from './layout-ops.js';
import { argReduce, constantOfShape, expand, pad, range, reduce, resize, tile, upsample } from './shape-ops.js';
import { constant } from './values.js';
import { depthToSpace, dequantize, gatherElements, likeData, quantize, topK } from './misc-ops.js';
import { rulesByOp, type ShapeRuleId } from '../op-traits.js';
import { convInteger, dynamicQuantize, matMulInteger, qlinearConv, qlinearMatMul } from './quantized.js';

/** Input 0's shape and values with input 1's type. */
const castLike: ShapeRule = (ctx) => [{ shape: ctx.shape(0), dataType: ctx.dtype(1), values: ctx.values(0) }];

const IMPLEMENTATIONS: Record<ShapeRuleId, ShapeRule> = {
  unary, broadcast: broadcastOp, reduce, identity, sameAsInput, cast, castLike, batchNorm, layerNorm, where,
  conv, convTranspose, pool, globalPool, gemm, matMul,
  reshape, flatten, transpose, squeeze, unsqueeze, concat, split, slice, gather, shape: shapeOf, size,
  pad, resize, upsample, expand, tile, argReduce, constant, constantOfShape, range,
  likeData, gatherElements, quantize, dequantize, depthToSpace, topK,
  convInteger, qlinearConv, matMulInteger, qlinearMatMul, dynamicQuantize,
};

/** opType → rule. */
export const SHAPE_RULES: Readonly<Record<string, ShapeRule>> = rulesByOp('shape', IMPLEMENTATIONS);
