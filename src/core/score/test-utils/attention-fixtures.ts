// Test helper: the transformer exports of src/core/graph/test-data as the gradient tests use them.
import { TensorDataType, type ModelProto } from '../../onnx/proto.js';
import { makeTensor, tensorDims, tensorToFloat32 } from '../../onnx/tensor.js';
import { makeValueInfo } from '../graph-builder.js';
import { loadRepoModel } from './ort-runner.js';

const GRAPH_DATA = 'src/core/graph/test-data';
/** Input size of the fixtures exported with dynamic H and W. */
const FIXED_SIZE: Record<string, number> = { 'tiny-encoder.onnx': 16, 'tiny-swin.onnx': 32 };

/**
 * A transformer fixture as attention_grads.py evaluates it: all-zero float initializers (torchvision's
 * ViT head and class token, which would make every gradient 0) hold 0.1·sin(1.3·i + 0.7), and
 * tiny-encoder and tiny-swin, exported with dynamic H and W, get them fixed (batch stays free).
 */
export function loadAttentionFixture(name: string): ModelProto {
  const model = loadRepoModel(`${GRAPH_DATA}/${name}`);
  const graph = model.graph!;
  graph.initializer = graph.initializer.map((t) => {
    if (t.dataType !== TensorDataType.FLOAT || tensorToFloat32(t).some((v) => v !== 0)) return t;
    const values = tensorToFloat32(t).map((_, i) => 0.1 * Math.sin(1.3 * i + 0.7));
    return makeTensor(t.name, tensorDims(t), TensorDataType.FLOAT, values);
  });
  const fixed = FIXED_SIZE[name];
  if (fixed) graph.input[0] = makeValueInfo('input', ['batch', 3, fixed, fixed]);
  return model;
}
