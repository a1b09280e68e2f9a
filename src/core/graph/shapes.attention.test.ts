// Shapes and MACs through attention, against what onnxruntime observes on every intermediate tensor
// of tiny torch exports (test-data/export_attention.py): torchvision's VisionTransformer and
// SwinTransformer and nn.TransformerEncoder, built from the same code as ViT-B/16 and Swin-T. Swin
// and the encoder have dynamic H and W, resolved from the input shape a caller gives (the CLI's
// --input-shape); Swin's window padding then depends on it, so sizes that need padding are run too.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { computeMetrics } from '../metrics/model-metrics.js';
import { decodeModel, encodeModel } from '../onnx/codec.js';
import type { ValueInfoProto } from '../onnx/proto.js';
import { buildGraph } from './ir.js';
import { inferShapes, type Dim, type ShapeResult } from './shapes.js';

const DIR = 'src/core/graph/test-data';
const load = (name: string) => decodeModel(readFileSync(`${DIR}/${name}.onnx`), name);

/** Every tensor's shape as onnxruntime produces it (each node output made a graph output). */
async function observedShapes(name: string, input: number[]): Promise<Map<string, number[]>> {
  const model = load(name);
  const ir = buildGraph(model);
  for (const o of ir.nodes.flatMap((n) => n.output)) {
    if (o && !ir.outputs.has(o)) model.graph!.output.push({ name: o, docString: '' } as unknown as ValueInfoProto);
  }
  const session = await ort.InferenceSession.create(encodeModel(model));
  const size = input.reduce((a, b) => a * b, 1);
  const results = await session.run({ input: new ort.Tensor('float32', Float32Array.from({ length: size }, (_, i) => Math.sin(i)), input) });
  return new Map(Object.entries(results).map(([k, v]) => [k, [...v.dims]]));
}

/** A dim with the batch symbol as `batch` ("2*batch" → 2·batch); NaN for any other symbol. */
const evaluate = (d: Dim, batch: number) =>
  typeof d === 'number' ? d : d.split('*').reduce((acc, f) => acc * (f === 'batch' ? batch : /^\d+$/.test(f) ? Number(f) : NaN), 1);

const CASES: { model: string; input: number[]; dynamicHW: boolean }[] = [
  { model: 'tiny-vit', input: [2, 3, 32, 32], dynamicHW: false },
  { model: 'tiny-swin', input: [2, 3, 32, 32], dynamicHW: true },
  { model: 'tiny-swin', input: [1, 3, 40, 56], dynamicHW: true }, // 10×14 tokens: windows of 4 need padding
  { model: 'tiny-encoder', input: [2, 3, 16, 24], dynamicHW: true },
];

describe('shapes through attention match onnxruntime on every tensor', () => {
  for (const { model: name, input, dynamicHW } of CASES) {
    it(`${name} at [${input.join(',')}]`, async () => {
      const ir = buildGraph(load(name));
      // Only H and W are given for the dynamic models: the batch stays symbolic, as in a CLI run.
      const given: Dim[] = ['batch', ...input.slice(1)];
      const shapes = inferShapes(ir, dynamicHW ? { inputShapes: new Map([['input', given]]) } : {});
      expect(shapes.unknownNodes).toEqual([]);
      const observed = await observedShapes(name, input);
      expect(observed.size).toBe(ir.nodes.flatMap((n) => n.output).filter(Boolean).length);
      for (const [tensor, dims] of observed) expect(shapes.tensors.get(tensor)?.shape?.map((d) => evaluate(d, input[0]!)), tensor).toEqual(dims);

      // MACs from our shapes equal MACs from the observed ones (batch observed as a number: divided out).
      const ours = computeMetrics(ir, shapes);
      const fromObserved: ShapeResult = { tensors: new Map(shapes.tensors), unknownNodes: [] };
      for (const [tensor, dims] of observed) fromObserved.tensors.set(tensor, { shape: dims });
      fromObserved.tensors.set('input', { shape: input });
      const truth = computeMetrics(ir, fromObserved);
      expect(ours.macsLowerBound).toBe(false);
      expect(truth.macsUnknown).toEqual([]);
      expect(ours.macs).toBe(truth.macs);
    });
  }

  // Hand counts: tokens T, dim D, MLP M, per layer qkv T·D·3D + q·kᵀ T·T·D + att·v T·T·D + out T·D·D + MLP 2·T·D·M.
  const layer = (t: number, d: number, m: number) => t * d * 3 * d + 2 * t * t * d + t * d * d + 2 * t * d * m;

  it('tiny-vit: patch Conv + 2 layers over 17 tokens (class token included) + head', () => {
    const m = computeMetrics(buildGraph(load('tiny-vit')));
    expect(m.macsLowerBound).toBe(false);
    expect(m.macs).toBe(16 * 16 * 3 * 8 * 8 + 2 * layer(17, 16, 32) + 16 * 10);
  });

  it('tiny-encoder: the seq-first [tokens, batch, dim] MultiheadAttention layout counts every token', () => {
    const ir = buildGraph(load('tiny-encoder'));
    const m = computeMetrics(ir, inferShapes(ir, { inputShapes: new Map([['input', [1, 3, 16, 24]]]) }));
    const tokens = 4 * 6;
    expect(m.macs).toBe(16 * tokens * 3 * 4 * 4 + 2 * layer(tokens, 16, 32) + 16 * 5);
  });

  it('without an input shape, dynamic H and W leave the MACs a lower bound, never counted as 1', () => {
    const m = computeMetrics(buildGraph(load('tiny-swin')));
    expect(m.macsLowerBound).toBe(true);
    expect(m.macsUnknown.length).toBeGreaterThan(0);
    expect(m.macsUnknown[0]!.reason).toMatch(/dynamic dims/);
  });
});
