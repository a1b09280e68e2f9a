// A copy of a model whose chosen initializers are graph inputs instead: the held-out check of a
// training run feeds the current parameters to one session instead of re-encoding the model.
import { decodeModel, encodeModel } from '../onnx/codec.js';
import type { ModelProto } from '../onnx/proto.js';
import { TensorDataType } from '../onnx/proto.js';
import { makeTensor, tensorDims, tensorToFloat32 } from '../onnx/tensor.js';
import { initializersToInputs } from '../score/backward.js';
import type { Float32Tensor } from '../score/runner.js';

/** The float32 values of the named initializers (throws naming the first missing or non-float32 one). */
export function readParameters(model: ModelProto, names: readonly string[]): Map<string, Float32Tensor> {
  const byName = new Map(model.graph!.initializer.map((t) => [t.name, t]));
  return new Map(names.map((name) => {
    const t = byName.get(name);
    if (!t) throw new Error(`"${name}" is not an initializer of the model`);
    if (t.dataType !== TensorDataType.FLOAT) throw new Error(`"${name}" is not float32; only float32 weights can be trained`);
    return [name, { dims: tensorDims(t), data: Float32Array.from(tensorToFloat32(t)) }];
  }));
}

/** A copy of `model` in which the named initializers are float32 graph inputs (as the training graph has them). */
export function parametersAsInputs(model: ModelProto, names: readonly string[]): ModelProto {
  const copy = decodeModel(encodeModel(model), 'training copy');
  initializersToInputs(copy, names);
  return copy;
}

/** A copy of `model` with the named float32 initializers replaced by `values` (dims from `like`). */
export function withParameters(model: ModelProto, values: ReadonlyMap<string, Float32Array>, like: ReadonlyMap<string, Float32Tensor>): ModelProto {
  const copy = decodeModel(encodeModel(model), 'trained copy');
  const graph = copy.graph!;
  graph.initializer = graph.initializer.map((t) => {
    const v = values.get(t.name);
    return v ? makeTensor(t.name, like.get(t.name)?.dims ?? tensorDims(t), TensorDataType.FLOAT, v) : t;
  });
  return copy;
}
