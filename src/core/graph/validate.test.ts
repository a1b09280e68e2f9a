// The validator on the broken models users bring: each is refused with the tensor or node named.
import { describe, expect, it } from 'vitest';
import { Long, TensorDataType, type ModelProto } from '../onnx/proto.js';
import { GraphBuilder } from './shape-ops/test-utils/graph-builder.js';
import { emptyTensor, makeTensor, tensorToNumbers } from '../onnx/tensor.js';
import { assertValidModel, ModelValidationError, nonFiniteCount, validateModel } from './validate.js';

/** x → Conv (w, b) → Relu → y, a valid model to break. */
const convRelu = () =>
  new GraphBuilder(13).input('x', ['N', 3, 8, 8]).weight('w', [4, 3, 3, 3]).weight('b', [4])
    .node('Conv', ['x', 'w', 'b'], ['c'], { pads: [1, 1, 1, 1] }).node('Relu', ['c'], ['y']).output('y').build();

const messages = (m: ModelProto) => validateModel(m).errors.map((e) => `${e.where}: ${e.message}`);
const init = (m: ModelProto, name: string) => m.graph!.initializer.find((t) => t.name === name)!;

describe('validateModel', () => {
  it('accepts a valid model', () => {
    expect(validateModel(convRelu())).toEqual({ errors: [], nonFinite: [] });
  });

  it('refuses a weight whose raw_data is half its declared size', () => {
    const m = convRelu();
    const w = init(m, 'w');
    const full = new Uint8Array(new Float32Array(w.floatData).buffer);
    w.floatData = [];
    w.rawData = full.subarray(0, full.length / 2);
    expect(messages(m)).toEqual(['tensor "w": raw_data holds 216 bytes but [4,3,3,3] of this type needs 432']);
  });

  it('refuses typed values that do not fill the shape', () => {
    const m = convRelu();
    init(m, 'b').floatData = [1, 2];
    expect(messages(m)).toEqual(['tensor "b": holds 2 values but its shape [4] needs 4']);
  });

  it('refuses a Conv weight with the wrong input width, naming the node', () => {
    const m = convRelu();
    const w = init(m, 'w');
    w.dims = [4, 2, 3, 3].map((d) => Long.fromNumber(d));
    w.floatData = w.floatData.slice(0, 72);
    expect(messages(m)).toEqual(['Conv node "c": input "x" has 3 channels but weight "w" [4,2,3,3] with group=1 expects 2']);
  });

  it('refuses a self-loop, a cycle, a dangling input and nodes out of order', () => {
    const selfLoop = convRelu();
    selfLoop.graph!.node[1]!.input[0] = 'y';
    expect(messages(selfLoop)).toContain('y: reads its own output "y" (a self-loop)');

    const cycle = new GraphBuilder(13).input('x', [1, 4]).node('Add', ['x', 'b'], ['a']).node('Relu', ['a'], ['b']).output('b').build();
    expect(messages(cycle)).toContain('a: is part of a cycle through "b" (from node "b"); ONNX graphs must be acyclic');

    const dangling = convRelu();
    dangling.graph!.node[1]!.input[0] = 'missing';
    expect(messages(dangling)).toContain('y: reads "missing", which no node, graph input or initializer provides');

    const unordered = convRelu();
    unordered.graph!.node.reverse();
    expect(messages(unordered)).toContain('y: reads "c" before node "c" produces it (nodes must be in topological order)');
  });

  it('reports NaN and infinite weights by tensor (and counts them) without refusing the model', () => {
    const m = convRelu();
    init(m, 'w').floatData[5] = NaN;
    init(m, 'w').floatData[7] = -Infinity;
    expect(validateModel(m)).toEqual({ errors: [], nonFinite: [{ tensor: 'w', count: 2 }] });
  });

  it('counts NaN/Inf in place for every float type, raw (aligned or not) and typed, as the decoded values do', () => {
    const values = [1, NaN, Infinity, -Infinity, 65504, 1e6, -0, 3.5e38, 1e300, -1e-30];
    const decoded = (t: Parameters<typeof tensorToNumbers>[0]) => tensorToNumbers(t).filter((v) => !Number.isFinite(v)).length;
    for (const type of [TensorDataType.FLOAT, TensorDataType.DOUBLE, TensorDataType.FLOAT16, TensorDataType.BFLOAT16]) {
      const raw = makeTensor('t', [values.length], type, values);
      const shifted = new Uint8Array(raw.rawData.length + 1).subarray(1);
      shifted.set(raw.rawData);
      const unaligned = { ...raw, rawData: shifted };
      const bits = new Uint16Array(raw.rawData.buffer.slice(0));
      const typed = emptyTensor({
        name: 't', dims: raw.dims, dataType: type,
        ...(type === TensorDataType.FLOAT ? { floatData: values } : type === TensorDataType.DOUBLE ? { doubleData: values } : { int32Data: Array.from(bits) }),
      });
      for (const t of [raw, unaligned, typed]) {
        expect(decoded(t)).toBeGreaterThanOrEqual(3);
        expect(nonFiniteCount(t)).toBe(decoded(t));
      }
    }
  });

  it('throws an error naming the file and what to do', () => {
    const m = convRelu();
    init(m, 'b').dataType = TensorDataType.DOUBLE;
    expect(() => assertValidModel(m, 'model.onnx')).toThrow(ModelValidationError);
    expect(() => assertValidModel(m, 'model.onnx')).toThrow(/^model.onnx: not a valid model: tensor "b": holds 0 values .*Nothing was changed. Export the model again/);
  });
});
