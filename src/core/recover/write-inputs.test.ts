// Recovery writes a layer's new weights, bias or statistics as that layer's own: exporters share
// equal tensors between layers (an Identity of the first, or one initializer read twice), and
// writing such a tensor in place either changed another layer or defined a name twice (seen on
// torchvision's EfficientNet-B0, whose fresh SE biases torch deduplicates: "Duplicate definition").
import { describe, expect, it } from 'vitest';
import { decodeModel, encodeModel } from '../onnx/codec.js';
import { Long, onnx, TensorDataType, type ModelProto } from '../onnx/proto.js';
import { makeTensor, tensorToFloat32 } from '../onnx/tensor.js';
import { makeNode, makeValueInfo } from '../score/graph-builder.js';
import { referenceOutputs } from '../score/metric.js';
import { nodeRunner } from '../score/test-utils/ort-runner.js';
import { sharedWithOtherLayers, writeNodeInputs } from './common.js';

/** x → a (w, b) → b2 (w, Identity(b)) → c (own weight, no bias) → y: a and b2 share the weight and, through an Identity, the bias. */
function model(): ModelProto {
  const graph = onnx.GraphProto.create({
    name: 'shared',
    input: [makeValueInfo('x', ['N', 2, 4, 4])],
    output: [makeValueInfo('y', ['N', 2, 4, 4])],
    initializer: [
      makeTensor('w', [2, 2, 1, 1], TensorDataType.FLOAT, [1, 2, 3, 4]),
      makeTensor('b', [2], TensorDataType.FLOAT, [0.5, -0.5]),
      makeTensor('wc', [2, 2, 1, 1], TensorDataType.FLOAT, [1, 0, 0, 1]),
    ] as never,
    node: [
      makeNode('Identity', ['b'], ['b_copy'], 'dedupe'),
      makeNode('Conv', ['x', 'w', 'b'], ['h1'], 'a', { kernel_shape: [1, 1] }),
      makeNode('Conv', ['h1', 'w', 'b_copy'], ['h2'], 'b2', { kernel_shape: [1, 1] }),
      makeNode('Conv', ['h2', 'wc'], ['y'], 'c', { kernel_shape: [1, 1] }),
    ] as never,
  });
  const proto = onnx.ModelProto.create({ irVersion: Long.fromNumber(8), opsetImport: [{ domain: '', version: Long.fromNumber(13) }], graph });
  return decodeModel(encodeModel(proto as unknown as ModelProto), 'shared.onnx');
}

const initializer = (m: ModelProto, name: string) => Array.from(tensorToFloat32(m.graph!.initializer.find((t) => t.name === name)!));
const node = (m: ModelProto, name: string) => m.graph!.node.find((n) => n.name === name)!;

describe('writeNodeInputs', () => {
  it('gives a layer its own copy of a shared or Identity-fed tensor, writes its own in place, and undoes exactly', async () => {
    const m = model();
    const before = encodeModel(m);
    // Tied weights are what lsq leaves alone: the shared weight, the bias behind the Identity, not c's own.
    expect([1, 2].map((i) => sharedWithOtherLayers(m, node(m, 'b2'), i))).toEqual([true, true]);
    expect([1, 2].map((i) => sharedWithOtherLayers(m, node(m, 'a'), i))).toEqual([true, true]);
    expect(sharedWithOtherLayers(m, node(m, 'c'), 1)).toBe(false);
    const undoB2 = writeNodeInputs(m, node(m, 'b2'), [{ index: 1, dims: [2, 2, 1, 1], data: [9, 9, 9, 9] }, { index: 2, dims: [2], data: [7, 7] }]);
    expect(node(m, 'b2').input).toEqual(['h1', 'b2__weight', 'b2__bias']);
    expect(initializer(m, 'w')).toEqual([1, 2, 3, 4]); // layer a still reads the original
    expect(initializer(m, 'b')).toEqual([0.5, -0.5]);
    const undoC = writeNodeInputs(m, node(m, 'c'), [{ index: 1, dims: [2, 2, 1, 1], data: [2, 0, 0, 2] }, { index: 2, dims: [2], data: [1, 1] }]);
    expect(node(m, 'c').input).toEqual(['h2', 'wc', 'c__bias']); // its own weight in place, a bias added
    expect(initializer(m, 'wc')).toEqual([2, 0, 0, 2]);
    // The edited model is valid: onnxruntime loads it (a name defined twice would be refused).
    const [out] = await referenceOutputs(m, nodeRunner, [{ feeds: { x: { dims: [1, 2, 4, 4], data: new Float32Array(32).fill(1) } } }]);
    expect(out!.y!.data.every(Number.isFinite)).toBe(true);
    undoC();
    undoB2();
    expect(encodeModel(m)).toEqual(before);
  });
});
