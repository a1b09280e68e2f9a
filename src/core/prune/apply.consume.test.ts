// applyPlan with consumeInput (the CLI's memory-lean surgery): the same pruned bytes as a copying
// surgery, big replaced weights sliced inside their own buffers, and the input left fit for
// dims-based metrics while a read of a consumed weight fails loudly.
import { describe, expect, it } from 'vitest';
import { analyseChannels } from '../graph/channels/analyse.js';
import { buildGraph } from '../graph/ir.js';
import { GraphBuilder } from '../graph/shape-ops/test-utils/graph-builder.js';
import { modelMetrics } from '../metrics/model-metrics.js';
import { encodeModel } from '../onnx/codec.js';
import type { ModelProto } from '../onnx/proto.js';
import { tensorToNumbers } from '../onnx/tensor.js';
import { applyPlan, CONSUMED_LOCATION } from './apply.js';
import { planPrune } from './planner.js';

/** x [N, 64] → Gemm 256 → Relu → MatMul 256 → Relu → Gemm 10, every weight in raw_data of its own buffer (as the CLI loads external data). */
function mlp(): ModelProto {
  const m = new GraphBuilder(17)
    .input('x', ['N', 64]).weight('w1', [256, 64]).weight('b1', [256]).weight('w2', [256, 256]).weight('w3', [10, 256]).weight('b3', [10])
    .node('Gemm', ['x', 'w1', 'b1'], ['h1'], { transB: 1 }).node('Relu', ['h1'], ['a1'])
    .node('MatMul', ['a1', 'w2'], ['h2']).node('Relu', ['h2'], ['a2'])
    .node('Gemm', ['a2', 'w3', 'b3'], ['y'], { transB: 1 }).output('y').build();
  for (const t of m.graph!.initializer) {
    t.rawData = new Uint8Array(new Float32Array(t.floatData).buffer);
    t.floatData = [];
  }
  return m;
}

const init = (m: ModelProto, name: string) => m.graph!.initializer.find((t) => t.name === name)!;

describe('applyPlan with consumeInput', () => {
  const prune = (consumeInput: boolean) => {
    const model = mlp();
    const analysis = analyseChannels(buildGraph(model));
    const plan = planPrune(model, analysis, { ratio: 0.3, criterion: 'l2' });
    const buffers = new Map(model.graph!.initializer.map((t) => [t.name, t.rawData.buffer]));
    return { model, buffers, pruned: applyPlan(model, plan, analysis, { consumeInput }) };
  };

  it('writes the same model as a copying surgery, slicing big weights inside their own buffers', () => {
    const copied = prune(false);
    const consumed = prune(true);
    expect(encodeModel(consumed.pruned)).toEqual(encodeModel(copied.pruned));
    // w1 (64 KiB) and w2 (256 KiB) are sliced in place; w3 and the biases are small and copied.
    for (const name of ['w1', 'w2']) expect(init(consumed.pruned, name).rawData.buffer, name).toBe(consumed.buffers.get(name));
    for (const name of ['w3', 'b1']) expect(init(consumed.pruned, name).rawData.buffer, name).not.toBe(consumed.buffers.get(name));
    // Without consumeInput the input is untouched.
    expect(tensorToNumbers(init(copied.model, 'w2')).length).toBe(256 * 256);
  });

  it('leaves the input good for metrics, and a read of a consumed weight throws', () => {
    const copied = prune(false);
    const consumed = prune(true);
    expect(modelMetrics(consumed.model)).toEqual(modelMetrics(copied.model));
    expect(() => tensorToNumbers(init(consumed.model, 'w2'))).toThrow(CONSUMED_LOCATION);
    expect(Array.from(tensorToNumbers(init(consumed.model, 'w3')))).toEqual(Array.from(tensorToNumbers(init(copied.model, 'w3'))));
  });
});
