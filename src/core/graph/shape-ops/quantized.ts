// Shape rules of the quantized operators: the integer and QLinear forms of Conv and MatMul read
// their data and weight at other input positions than Conv/MatMul, and produce integer outputs;
// DynamicQuantizeLinear gives the quantized tensor plus a scalar scale and zero point.
import { TensorDataType, type NodeProto } from '../../onnx/proto.js';
import { OpContext, type ShapeRule } from './context.js';
import { conv, matMul } from './conv-pool.js';

/** `rule` applied to the inputs at `positions` (data, weight), with the output type `dtype` gives. */
function remapped(rule: ShapeRule, positions: readonly number[], dtype: (ctx: OpContext) => number | undefined): ShapeRule {
  return (ctx) => {
    const node = { ...ctx.node, input: positions.map((i) => ctx.node.input[i] ?? '') } as NodeProto;
    const inner = new OpContext(node, ctx.opset, positions.map((i) => ctx.info(i)));
    return rule(inner).map((out) => ({ ...out, dataType: dtype(ctx) }));
  };
}

const int32 = () => TensorDataType.INT32;
/** QLinear outputs have the type of their output zero point (uint8 when absent). */
const outputZeroPointType = (ctx: OpContext) => ctx.dtype(7) ?? TensorDataType.UINT8;

/** ConvInteger(x, w, x_zero_point, w_zero_point) → int32. */
export const convInteger = remapped(conv, [0, 1], int32);
/** QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B). */
export const qlinearConv = remapped(conv, [0, 3], outputZeroPointType);
/** MatMulInteger(a, b, a_zero_point, b_zero_point) → int32. */
export const matMulInteger = remapped(matMul, [0, 1], int32);
/** QLinearMatMul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp). */
export const qlinearMatMul = remapped(matMul, [0, 3], outputZeroPointType);

/** DynamicQuantizeLinear(x) → (y uint8 like x, y_scale float scalar, y_zero_point uint8 scalar). */
export const dynamicQuantize: ShapeRule = (ctx) => [
  { shape: ctx.shape(0), dataType: TensorDataType.UINT8 },
  { shape: [], dataType: TensorDataType.FLOAT },
  { shape: [], dataType: TensorDataType.UINT8 },
];
