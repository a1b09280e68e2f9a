// fp16 → fp32 for computing: training (and anything else that needs float32 arithmetic) runs on a
// float32 copy of an fp16 model, and the trained values are written back into the fp16 model in its
// own type (recover/common.ts setInitializer). Widening is exact (every fp16 value is an fp32 one),
// so the copy computes what the fp16 model computes, without its rounding. The Casts an fp16
// converter inserted stay where they are and become float32 → float32 no-ops.
import { cloneMessage } from '../onnx/clone.js';
import { Long, TensorDataType, type AttributeProto, type GraphProto, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto } from '../onnx/proto.js';
import { makeTensor, tensorDims, tensorToFloat32 } from '../onnx/tensor.js';
import { isDefaultDomain } from '../graph/op-traits.js';
import { DTYPE_ATTRIBUTES } from './fp16-ops.js';

const F16 = TensorDataType.FLOAT16;
const F32 = TensorDataType.FLOAT;

/** Whether the model computes in fp16: fp16 weights (initializers, Constant nodes) or fp16 inputs/outputs. */
export function hasFloat16(model: ModelProto): boolean {
  const g = model.graph!;
  return g.initializer.some((t) => t.dataType === F16) ||
    g.node.some((n) => n.opType === 'Constant' && n.attribute.some((a) => a.t?.dataType === F16)) ||
    [...g.input, ...g.output].some((v) => v.type?.tensorType?.elemType === F16);
}

/** A float32 copy of `model`: every fp16 tensor, type and element-type attribute becomes float32. The input is not modified. */
export function toFloat32(model: ModelProto): ModelProto {
  return cloneMessage(model, { graph: widenGraph(model.graph as GraphProto) });
}

function widenTensor(t: TensorProto): TensorProto {
  if (t.dataType !== F16) return t;
  const wide = makeTensor(t.name, tensorDims(t), F32, tensorToFloat32(t));
  return cloneMessage(wide, { docString: t.docString });
}

function widenValueInfo(vi: ValueInfoProto): ValueInfoProto {
  const type = vi.type;
  if (type?.tensorType?.elemType !== F16) return vi;
  return cloneMessage(vi, { type: cloneMessage(type, { tensorType: cloneMessage(type.tensorType, { elemType: F32 }) }) });
}

function widenAttribute(node: NodeProto, a: AttributeProto): AttributeProto {
  if (a.t?.dataType === F16) return cloneMessage(a, { t: widenTensor(a.t as TensorProto) });
  if (a.tensors?.some((t) => t.dataType === F16)) return cloneMessage(a, { tensors: a.tensors.map((t) => widenTensor(t as TensorProto)) });
  if (a.g) return cloneMessage(a, { g: widenGraph(a.g as GraphProto) });
  if (a.graphs?.length) return cloneMessage(a, { graphs: a.graphs.map((g) => widenGraph(g as GraphProto)) });
  // Cast(to = FLOAT16), EyeLike(dtype = FLOAT16) …: the op would make fp16 again.
  const dtype = isDefaultDomain(node.domain) ? DTYPE_ATTRIBUTES[node.opType] : undefined;
  if (dtype?.attribute === a.name && Number(a.i) === F16) return cloneMessage(a, { i: Long.fromNumber(F32) });
  return a;
}

function widenGraph(g: GraphProto): GraphProto {
  return cloneMessage(g, {
    initializer: g.initializer.map((t) => widenTensor(t as TensorProto)),
    node: g.node.map((n) => cloneMessage(n as NodeProto, { attribute: n.attribute.map((a) => widenAttribute(n as NodeProto, a as AttributeProto)) })),
    input: g.input.map((v) => widenValueInfo(v as ValueInfoProto)),
    output: g.output.map((v) => widenValueInfo(v as ValueInfoProto)),
    valueInfo: g.valueInfo.map((v) => widenValueInfo(v as ValueInfoProto)),
  });
}
