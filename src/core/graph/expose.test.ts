// exposeTensors on a real torch export: onnxruntime must return the exposed activations, with the
// shapes and values the original graph computes, and the input model must stay untouched.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { decodeModel, encodeModel } from '../onnx/codec.js';
import { exposeTensors, extendGraph } from './expose.js';
import { makeTensor } from '../onnx/tensor.js';
import type { NodeProto, ValueInfoProto } from '../onnx/proto.js';

const bytes = readFileSync('src/runtime/test-data/classifier.onnx');
const RELU1 = '/features/features.2/Relu_output_0';
const RELU2 = '/features/features.6/Relu_output_0';

describe('exposeTensors', () => {
  it('adds intermediate tensors as typed graph outputs that onnxruntime returns', async () => {
    const model = decodeModel(bytes, 'classifier.onnx');
    const before = encodeModel(model);
    const exposed = exposeTensors(model, [RELU1, RELU2, 'logits', RELU1]);
    expect(exposed.graph!.output.map((o) => o.name)).toEqual(['logits', RELU1, RELU2]);
    // Shape inference filled the type: float, symbolic batch, 8 channels at 28×28.
    const t = exposed.graph!.output[1]!.type!.tensorType!;
    expect(t.elemType).toBe(1);
    expect(t.shape!.dim.map((d) => d.dimParam || Number(d.dimValue))).toEqual(['batch', 8, 28, 28]);
    // The input model is unchanged, byte for byte.
    expect(model.graph!.output.map((o) => o.name)).toEqual(['logits']);
    expect(Buffer.from(encodeModel(model)).equals(Buffer.from(before))).toBe(true);

    const input = new ort.Tensor('float32', Float32Array.from({ length: 2 * 784 }, (_, i) => Math.abs(Math.sin(i))), [2, 1, 28, 28]);
    const plain = await ort.InferenceSession.create(encodeModel(model));
    const wide = await ort.InferenceSession.create(encodeModel(exposed));
    const a = await plain.run({ image: input });
    const b = await wide.run({ image: input });
    expect(b[RELU1]!.dims).toEqual([2, 8, 28, 28]);
    expect(b[RELU2]!.dims).toEqual([2, 16, 14, 14]);
    expect(Array.from(b.logits!.data as Float32Array)).toEqual(Array.from(a.logits!.data as Float32Array));
    // A ReLU output really is one: non-negative and not all zero.
    const relu = b[RELU2]!.data as Float32Array;
    expect(relu.every((v) => v >= 0)).toBe(true);
    expect(relu.some((v) => v > 0)).toBe(true);
  });

  it('refuses names that are not activations, naming them', () => {
    const model = decodeModel(bytes, 'classifier.onnx');
    const weight = model.graph!.initializer[0]!.name;
    expect(() => exposeTensors(model, ['nope'])).toThrow(/cannot capture "nope"/);
    expect(() => exposeTensors(model, [weight])).toThrow(/a weight, not an activation/);
  });

  it('extendGraph appends nodes, initializers and outputs to a copy that onnxruntime runs', async () => {
    const model = decodeModel(bytes, 'classifier.onnx');
    const before = encodeModel(model);
    const twice = { opType: 'Mul', input: ['logits', 'two'], output: ['doubled'], name: 'double', domain: '', attribute: [] } as unknown as NodeProto;
    const extended = extendGraph(model, { nodes: [twice], initializers: [makeTensor('two', [], 1, [2])], outputs: [{ name: 'doubled' } as ValueInfoProto] });
    expect(Buffer.from(encodeModel(model)).equals(Buffer.from(before))).toBe(true);
    const session = await ort.InferenceSession.create(encodeModel(extended));
    const input = new ort.Tensor('float32', new Float32Array(784).fill(0.5), [1, 1, 28, 28]);
    const out = await session.run({ image: input });
    const logits = out.logits!.data as Float32Array;
    expect(Array.from(out.doubled!.data as Float32Array)).toEqual(Array.from(logits, (v) => v * 2));
  });
});
