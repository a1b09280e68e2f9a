// Known values of small constant tensors: what constant propagation starts from.
import { Long, onnx, TensorDataType, type TensorProto } from '../../onnx/proto.js';
import { tensorDims, tensorSize, tensorToNumbers } from '../../onnx/tensor.js';
import { attrTensor } from '../attributes.js';
import type { Dim, TensorInfo } from '../shapes.js';
import type { ShapeRule } from './context.js';
import { ShapeUnknown } from './dims.js';

/** Tensors up to this many elements have their values tracked (shapes, axes, scales, pads). */
export const MAX_TRACKED_ELEMENTS = 64;

/** True when the tensor actually carries its values (shape-only fixtures strip weight payloads). */
export function hasPayload(t: TensorProto): boolean {
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) return false;
  if (tensorSize(t) === 0) return true;
  return (
    t.rawData.length > 0 || t.floatData.length > 0 || t.int32Data.length > 0 || t.int64Data.length > 0 ||
    t.doubleData.length > 0 || t.uint64Data.length > 0
  );
}

/** Values of a small numeric tensor with a payload, else undefined. */
export function tensorValues(t: TensorProto): Dim[] | undefined {
  if (tensorSize(t) > MAX_TRACKED_ELEMENTS || !hasPayload(t) || t.dataType === TensorDataType.STRING) return undefined;
  try {
    return Array.from(tensorToNumbers(t));
  } catch {
    return undefined; // a corrupt payload: the shape is still known from dims
  }
}

/** Shape, type and (for small tensors) values of a constant tensor. */
export function constantInfo(t: TensorProto): TensorInfo {
  return { shape: tensorDims(t), dataType: t.dataType, values: tensorValues(t) };
}

/** Constant: the `value` tensor, or value_float(s)/value_int(s) forms (scalars are 0-d). */
export const constant: ShapeRule = (ctx) => {
  const t = attrTensor(ctx.node, 'value');
  if (t) return [constantInfo(t)];
  for (const a of ctx.node.attribute) {
    const long = (v: Long | number) => (Long.isLong(v) ? (v as Long).toNumber() : Number(v));
    switch (a.name) {
      case 'value_float': return [{ shape: [], dataType: TensorDataType.FLOAT, values: [a.f] }];
      case 'value_floats': return [{ shape: [a.floats.length], dataType: TensorDataType.FLOAT, values: a.floats.length <= MAX_TRACKED_ELEMENTS ? [...a.floats] : undefined }];
      case 'value_int': return [{ shape: [], dataType: TensorDataType.INT64, values: [long(a.i)] }];
      case 'value_ints': return [{ shape: [a.ints.length], dataType: TensorDataType.INT64, values: a.ints.length <= MAX_TRACKED_ELEMENTS ? a.ints.map(long) : undefined }];
    }
  }
  throw new ShapeUnknown('Constant without a numeric value attribute (sparse or string constants are not supported)');
};
