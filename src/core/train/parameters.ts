// The parameters a training run updates by default: the float32 weights and biases the backward
// graph has a parameter-gradient rule for (core/score/backward-weights.ts, backward-ops.ts).
import { buildGraph, constantTensor, constantThroughIdentity, type GraphIR } from '../graph/ir.js';
import { isDefaultDomain } from '../graph/op-traits.js';
import type { ModelProto, NodeProto } from '../onnx/proto.js';
import { TensorDataType } from '../onnx/proto.js';
import { tensorDims } from '../onnx/tensor.js';

/** Which inputs of an operator are trainable parameters (the others are data, shapes or frozen statistics). */
const PARAMETER_INPUTS: Readonly<Record<string, readonly number[]>> = {
  Conv: [1, 2],
  ConvTranspose: [1, 2],
  Gemm: [1, 2],
  MatMul: [1],
  BatchNormalization: [1, 2], // γ, β; the running mean and variance stay frozen
  LayerNormalization: [1, 2], // scale, bias (opset 17)
  PRelu: [1],
};

/** Whether a node computes on data: its first input is not a constant (a constant-only node would be folded, not trained). */
function readsData(ir: GraphIR, node: NodeProto): boolean {
  return !!node.input[0] && !constantTensor(ir, node.input[0]);
}

/**
 * The default trainable parameters of a model, in graph order, each once: float32 initializers that
 * are weights or biases of Conv/ConvTranspose/Gemm, the 2-D constant right operand of a MatMul,
 * BatchNormalization's and LayerNormalization's scale and bias, a PRelu slope — reached directly or through Identity nodes
 * (tied weights count once). Shape tensors, running statistics and integer tensors are never listed.
 */
export function trainableParameters(model: ModelProto): string[] {
  const ir = buildGraph(model);
  const found = new Set<string>();
  for (const node of ir.nodes) {
    const roles = isDefaultDomain(node.domain) ? PARAMETER_INPUTS[node.opType] : undefined;
    if (!roles || !readsData(ir, node)) continue;
    for (const k of roles) {
      const source = constantThroughIdentity(ir, node.input[k]);
      if (!source || !ir.initializers.has(source.name) || source.tensor.dataType !== TensorDataType.FLOAT) continue;
      const dims = tensorDims(source.tensor);
      if (node.opType === 'MatMul' && dims.length !== 2) continue;
      if (dims.some((d) => d === 0)) continue;
      found.add(source.name);
    }
  }
  return [...found];
}
