// Shape rules for less common ops that still show up in exported vision models: quantization,
// scatter/gather variants, depth↔space rearrangement, TopK, OneHot-free index ops.
import { TensorDataType } from '../../onnx/proto.js';
import { attrInt } from '../attributes.js';
import type { ShapeRule } from './context.js';
import { divDim, mulDim, normAxis, ShapeUnknown } from './dims.js';

/** Output has input 0's shape and type (ScatterND, ScatterElements, Trilu, ...). */
export const likeData: ShapeRule = (ctx) => [{ shape: ctx.shape(0), dataType: ctx.dtype(0) }];

/** GatherElements: output has the indices' shape, the data's type. */
export const gatherElements: ShapeRule = (ctx) => [{ shape: ctx.shape(1), dataType: ctx.dtype(0) }];

/** QuantizeLinear: shape of x, type of the zero point (uint8 when absent). */
export const quantize: ShapeRule = (ctx) => [{ shape: ctx.shape(0), dataType: ctx.dtype(2) ?? TensorDataType.UINT8 }];

/** DequantizeLinear: shape of x, float. */
export const dequantize: ShapeRule = (ctx) => [{ shape: ctx.shape(0), dataType: ctx.dtype(1) ?? TensorDataType.FLOAT }];

/** DepthToSpace: [N, C/b², H·b, W·b]; SpaceToDepth the reverse. */
export const depthToSpace: ShapeRule = (ctx) => {
  const [n, c, h, w] = ctx.shape(0);
  if (w === undefined) throw new ShapeUnknown('DepthToSpace needs a 4-D input');
  const b = attrInt(ctx.node, 'blocksize', 1);
  if (ctx.node.opType === 'SpaceToDepth') return [{ shape: [n!, mulDim(c!, b * b), divDim(h!, b), divDim(w, b)], dataType: ctx.dtype(0) }];
  return [{ shape: [n!, divDim(c!, b * b), mulDim(h!, b), mulDim(w, b)], dataType: ctx.dtype(0) }];
};

/** TopK: values and int64 indices, the axis cut to k (k from input 1, or the attribute before opset 10). */
export const topK: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const axis = normAxis(attrInt(ctx.node, 'axis', -1), x.length);
  const k = ctx.opset >= 10 ? ctx.ints(1, 'k')[0]! : attrInt(ctx.node, 'k', 1);
  const shape = x.map((d, i) => (i === axis ? k : d));
  return [{ shape, dataType: ctx.dtype(0) }, { shape, dataType: TensorDataType.INT64 }];
};
