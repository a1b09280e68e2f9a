// The masked-reference property on tiny graphs that reach the rules no exporter fixture does:
// opset-9 Slice/Upsample/Pad attributes, equal Split, Resize sizes, Expand/Tile shapes,
// keepdims=0 reductions into MatMul, Gemm with transB=0 after Flatten. See test-data/make_graphs.py.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeModel, encodeModel } from '../onnx/codec.js';
import { buildGraph } from '../graph/ir.js';
import { analyseChannels } from '../graph/channels/analyse.js';
import { applyPlan } from './apply.js';
import { halfPlan, maskedReference, randomPlan } from './test-utils/masked.js';
import { randomInputs, runModel, worstMismatch } from './test-utils/ort.js';

const GRAPHS: Record<string, string[]> = {
  'split-equal-resize.onnx': ['Split.split', 'Resize.shape[1]'],
  'legacy-opset9.onnx': ['Slice.starts/ends'],
  'expand-tile-reduce.onnx': ['Expand.shape[1]', 'MatMul.weight[in]'],
  'flatten-gemm-transb0.onnx': ['Gemm.weight[in] block 16', 'Sub.input1 (per-channel constant)', 'Div.input1 (per-channel constant)'],
};

describe.each(Object.entries(GRAPHS))('%s', (file, roles) => {
  const model = decodeModel(readFileSync(new URL(`./test-data/${file}`, import.meta.url)), file);
  const analysis = analyseChannels(buildGraph(model));

  it('is analysed into prunable groups with the expected members', () => {
    const first = analysis.groups[0]!;
    expect(first.prunable, first.barriers.join('; ')).toBe(true);
    const all = analysis.groups.flatMap((g) => g.members.map((m) => m.role));
    for (const r of roles) expect(all.some((a) => a === r || a.startsWith(`${r} offset`)), r).toBe(true);
  });

  it('matches the masked original after pruning', async () => {
    const feeds = randomInputs([{ name: 'input', shape: ['batch', 3, 8, 8] }], 5);
    for (const plan of [halfPlan(analysis), randomPlan(analysis, 1), randomPlan(analysis, 2)]) {
      const [want, got] = await Promise.all([runModel(maskedReference(model, plan, analysis), feeds), runModel(encodeModel(applyPlan(model, plan, analysis)), feeds)]);
      expect(got.output!.dims).toEqual(want.output!.dims);
      expect(worstMismatch(want.output!.data, got.output!.data)).toBeLessThanOrEqual(1);
    }
  });
});

it('keeps channels read inside an If branch whole (the subgraph sees the outer tensor by name)', () => {
  const model = decodeModel(readFileSync(new URL('./test-data/if-subgraph.onnx', import.meta.url)), 'if-subgraph.onnx');
  const c1 = analyseChannels(buildGraph(model)).groups.find((g) => g.id === 'c1')!;
  expect(c1.prunable).toBe(false);
  expect(c1.barriers.join()).toContain('read inside a subgraph');
});
