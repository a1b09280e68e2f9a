// Our inferred shapes against what onnxruntime actually produces, for EVERY intermediate tensor of
// small real torch exports (every node output is made a graph output so onnxruntime reports it).
// Run at batch 2 so the symbolic "batch" dim has to flow through correctly, including the
// Shape → Gather → Unsqueeze → Concat → Reshape chain of `x.view(x.size(0), -1)`.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { decodeModel, encodeModel } from '../onnx/codec.js';
import type { ValueInfoProto } from '../onnx/proto.js';
import { buildGraph } from './ir.js';
import { inferShapes, type Dim } from './shapes.js';

const DIR = 'tools/fixtures/shape-only';
const BATCH = 2;
const FIXTURES: Record<string, number[]> = {
  'view-chain-opset13': [BATCH, 3, 8, 8],
  'view-chain-opset9': [BATCH, 3, 8, 8],
  'decoder-opset9': [BATCH, 3, 16, 16],
  'decoder-opset11': [BATCH, 3, 16, 16],
  'decoder-opset13': [BATCH, 3, 16, 16],
  'transformer-opset11': [BATCH, 3, 16, 16],
  'transformer-opset17': [BATCH, 3, 16, 16],
};

/** A dim as a number once the symbol "batch" is BATCH ("2*batch" → 4); NaN when unknown. */
function evaluate(d: Dim): number {
  if (typeof d === 'number') return d;
  return d.split('*').reduce((acc, f) => acc * (f === 'batch' ? BATCH : /^\d+$/.test(f) ? Number(f) : NaN), 1);
}

describe('inferred shapes match onnxruntime on every tensor', () => {
  for (const [name, inputShape] of Object.entries(FIXTURES)) {
    it(name, async () => {
      const model = decodeModel(readFileSync(`${DIR}/${name}.onnx`), name);
      const ir = buildGraph(model);
      const shapes = inferShapes(ir);
      expect(shapes.unknownNodes).toEqual([]);

      const outputs = ir.nodes.flatMap((n) => n.output).filter((o) => o && !ir.outputs.has(o));
      for (const o of outputs) model.graph!.output.push({ name: o, docString: '' } as unknown as ValueInfoProto);
      const session = await ort.InferenceSession.create(encodeModel(model));
      const size = inputShape.reduce((a, b) => a * b, 1);
      const feeds = { input: new ort.Tensor('float32', Float32Array.from({ length: size }, (_, i) => Math.sin(i)), inputShape) };
      const results = await session.run(feeds);

      expect(Object.keys(results).length).toBe(outputs.length + ir.outputs.size);
      for (const [tensor, value] of Object.entries(results)) {
        const inferred = shapes.tensors.get(tensor)?.shape;
        expect(inferred?.map(evaluate), tensor).toEqual([...value.dims]);
      }
    });
  }

  it('resolves the view(x.size(0), -1) chain to a symbolic batch, not a number', () => {
    const ir = buildGraph(decodeModel(readFileSync(`${DIR}/view-chain-opset13.onnx`), 'view-chain'));
    const reshape = ir.nodes.find((n) => n.opType === 'Reshape')!;
    const chain = ['Shape', 'Gather', 'Unsqueeze', 'Concat'];
    expect(chain.every((op) => ir.nodes.some((n) => n.opType === op))).toBe(true);
    const shapes = inferShapes(ir);
    expect(shapes.tensors.get(reshape.input[1]!)?.values).toEqual(['batch', -1]);
    expect(shapes.tensors.get(reshape.output[0]!)?.shape).toEqual(['batch', 64]);
  });
});
