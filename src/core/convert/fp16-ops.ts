// What the fp16 conversion (fp16.ts) knows about operators: which stay in fp32 behind Casts,
// which of their inputs are "control" values (scales, bounds) whose arithmetic stays fp32 too,
// and which attributes name a float element type. Data, so an operator is added by a table row.
import { TensorDataType } from '../onnx/proto.js';

/**
 * Ops kept in fp32, as onnxconverter-common's DEFAULT_OP_BLOCK_LIST does (no fp16 kernels in common
 * runtimes, or results that depend on exact float comparisons), plus the quantize family (their
 * scales are fp32 before opset 19) and ops whose output type is fixed to float32 by an attribute
 * default. Value: the inputs that are control values rather than data (see CONTROL_ARITHMETIC).
 */
export const FP32_ONLY_OPS: Readonly<Record<string, readonly number[]>> = {
  // onnxconverter-common's block list, the ops that occur in vision models.
  Resize: [1, 2], // roi, scales
  Upsample: [1], // scales
  Range: [0, 1, 2],
  Min: [],
  Max: [],
  TopK: [],
  RoiAlign: [1], // rois
  CumSum: [],
  NonMaxSuppression: [3, 4], // iou_threshold, score_threshold
  // Quantized layouts: the float side of a quantize/dequantize is its scale.
  QuantizeLinear: [1],
  DequantizeLinear: [1],
  DynamicQuantizeLinear: [],
  QLinearConv: [1, 4, 6],
  QLinearMatMul: [1, 4, 6],
  // Random generators: onnxruntime's CPU provider has no fp16 kernels for them.
  RandomNormal: [],
  RandomUniform: [],
  RandomNormalLike: [],
  RandomUniformLike: [],
  Bernoulli: [],
  // Output element type fixed by an attribute whose default is float32.
  TfIdfVectorizer: [],
  HannWindow: [],
  HammingWindow: [],
  BlackmanWindow: [],
  MelWeightMatrix: [],
};

/**
 * Attributes holding an element type: where they say FLOAT, the op would make float32 tensors in
 * an fp16 graph, so fp16.ts rewrites them to FLOAT16 (on ops it converts; the random generators
 * above stay fp32, their entries here tell their output type). `whenAbsent`: the type the op uses
 * when the attribute is missing (RandomNormal defaults to float32); undefined when it follows an input.
 */
export const DTYPE_ATTRIBUTES: Readonly<Record<string, { attribute: string; whenAbsent?: number }>> = {
  Cast: { attribute: 'to' },
  EyeLike: { attribute: 'dtype' },
  RandomNormal: { attribute: 'dtype', whenAbsent: TensorDataType.FLOAT },
  RandomUniform: { attribute: 'dtype', whenAbsent: TensorDataType.FLOAT },
  RandomNormalLike: { attribute: 'dtype' },
  RandomUniformLike: { attribute: 'dtype' },
  Bernoulli: { attribute: 'dtype' },
};

/**
 * Attributes holding a tensor value that becomes part of an output (ConstantOfShape's fill value,
 * float32 zero when absent): a float32 value is written as fp16.
 */
export const VALUE_ATTRIBUTES: Readonly<Record<string, { attribute: string; absentIsFloat: boolean }>> = {
  ConstantOfShape: { attribute: 'value', absentIsFloat: true },
};
