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
  InstanceNormalization: [1, 2], // scale, bias
  PRelu: [1],
  // Elementwise affine constants, on either side: the bias torch adds after a MatMul (every Linear
  // on [batch, tokens, features]), a decomposed LayerNorm's γ and β (opset < 17), a position
  // embedding, a Conv bias exported as its own Add. A scalar operand (GELU's 0.5, LayerNorm's ε,
  // attention's 1/√d) is a hyperparameter, not a parameter: only tensors of ≥ 2 elements train.
  Add: [0, 1],
  Mul: [0, 1],
  // A class or distillation token repeated over the batch before it joins the patch tokens.
  Expand: [0],
};

/** Whether a node computes on data: some input is not a constant (a constant-only node would be folded, not trained). */
function readsData(ir: GraphIR, node: NodeProto): boolean {
  return node.input.some((name) => !!name && !constantTensor(ir, name));
}

/**
 * The default trainable parameters of a model, in graph order, each once: float32 initializers that
 * are weights or biases of Conv/ConvTranspose/Gemm, the 2-D constant right operand of a MatMul,
 * BatchNormalization's, LayerNormalization's and InstanceNormalization's scale and bias, a PRelu slope, the non-scalar
 * constant operand of an Add or Mul that computes on data, a token Expand repeats — reached directly
 * or through Identity nodes (tied weights count once). What PyTorch trains when it fine-tunes the
 * exported module. Shape tensors, running statistics and integer tensors are never listed.
 */
export function trainableParameters(model: ModelProto): string[] {
  const ir = buildGraph(model);
  const found = new Set<string>();
  for (const node of ir.nodes) {
    const roles = isDefaultDomain(node.domain) ? PARAMETER_INPUTS[node.opType] : undefined;
    if (!roles || !readsData(ir, node)) continue;
    const elementwise = node.opType === 'Add' || node.opType === 'Mul' || node.opType === 'Expand';
    for (const k of roles) {
      const source = constantThroughIdentity(ir, node.input[k]);
      if (!source || !ir.initializers.has(source.name) || source.tensor.dataType !== TensorDataType.FLOAT) continue;
      const dims = tensorDims(source.tensor);
      if (node.opType === 'MatMul' && dims.length !== 2) continue;
      if (dims.some((d) => d === 0)) continue;
      if (elementwise && dims.reduce((a, d) => a * d, 1) < 2) continue;
      found.add(source.name);
    }
  }
  return [...found];
}
