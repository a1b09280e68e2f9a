// Property test on real exporter fixtures: removing channels (applyPlan) must give the same outputs
// as zeroing them in the original model (maskedReference), for random seeded plans.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeModel, encodeModel } from '../onnx/codec.js';
import { TensorDataType } from '../onnx/proto.js';
import { resolveExternalData } from '../onnx/external-data.js';
import { buildGraph } from '../graph/ir.js';
import { analyseChannels, type ChannelAnalysis } from '../graph/channels/analyse.js';
import { modelMetrics } from '../metrics/model-metrics.js';
import { applyPlan } from './apply.js';
import { halfPlan, maskedReference, randomPlan } from './test-utils/masked.js';
import { randomInputs, runModel, worstMismatch } from './test-utils/ort.js';

const DIR = new URL('../../../tools/fixtures/models/', import.meta.url);
interface Fixture { file: string; runnable: boolean; inputs: { name: string; shape: (number | string)[] }[]; expectBarrier: string[]; externalData: string | null }
const manifest = JSON.parse(readFileSync(new URL('manifest.json', DIR), 'utf8')) as { fixtures: Fixture[] };
const runnable = manifest.fixtures.filter((f) => f.runnable);

// Cases the fixture list allows either as a barrier or as exact surgery; this pruner does surgery,
// which the masked-reference property test below then proves.
const HANDLED_INSTEAD: Record<string, (a: ChannelAnalysis) => boolean> = {
  // Slice starts/ends are rewritten to the kept channels.
  'channel slice': (a) => a.groups.some((g) => g.prunable && g.members.some((m) => m.role === 'Slice.starts/ends')),
  // Both uses of the shared conv weight are tied into one group, sliced once.
  'shared weight (same conv used twice)': (a) => a.groups.some((g) => g.prunable && g.members.filter((m) => m.role === 'Conv.weight[out]').length >= 2),
};

describe.each(runnable)('applyPlan on $file', async (fixture) => {
  // Fixtures with external data are resolved first (weights must be in memory to be sliced).
  const model = await resolveExternalData(decodeModel(readFileSync(new URL(fixture.file, DIR)), fixture.file), (loc) => readFileSync(new URL(loc, DIR)), fixture.file);
  // Grouped convolutions on: the property then also covers per-block grouped-conv surgery.
  const analysis = analyseChannels(buildGraph(model), undefined, { groupedConvolutions: true });

  it('shows the expected barriers (or handles the case exactly)', () => {
    const reasons = analysis.groups.flatMap((g) => g.barriers).join('\n');
    for (const b of fixture.expectBarrier) {
      const handled = HANDLED_INSTEAD[b];
      if (handled) expect(handled(analysis), `${b} is handled by surgery`).toBe(true);
      else expect(reasons).toContain(b);
    }
  });

  // fp16 models: masked and pruned sums round differently in half precision (eps ≈ 1e-3).
  const tolerance = model.graph!.initializer.some((t) => t.dataType === TensorDataType.FLOAT16) ? 5e-3 : 1e-4;
  // Quantized models are compared as ONNX defines them (see runModel), on dequantized outputs.
  const reference = model.graph!.node.some((n) => n.opType.includes('Quantize') || n.opType.startsWith('QLinear'));

  it('matches the masked original for random plans, and ratio 0 changes nothing', async () => {
    const feeds = randomInputs(fixture.inputs, 7);
    const original = await runModel(model, feeds, reference);
    const empty = randomPlan(analysis, 0, 0);
    empty.groups = {};
    const same = await runModel(applyPlan(model, empty, analysis), feeds, reference);
    for (const k of Object.keys(original)) expect(worstMismatch(original[k]!.data, same[k]!.data, 1e-6)).toBeLessThanOrEqual(1);
    let prunedSomething = false;
    let changedBySomePlan = false;
    // Two random plans, and one that drops the first half of every prunable group.
    for (const seed of [1, 2, -1]) {
      const plan = seed < 0 ? halfPlan(analysis) : randomPlan(analysis, seed);
      const pruned = applyPlan(model, plan, analysis);
      const bytes = encodeModel(pruned);
      const [want, got] = await Promise.all([runModel(maskedReference(model, plan, analysis), feeds, reference), runModel(bytes, feeds, reference)]);
      for (const k of Object.keys(want)) {
        expect(got[k]!.dims, `${fixture.file} seed ${seed} output ${k}`).toEqual(want[k]!.dims);
        expect(worstMismatch(want[k]!.data, got[k]!.data, tolerance), `${fixture.file} seed ${seed} output ${k}`).toBeLessThanOrEqual(1);
      }
      // The oracle must see the plan: masking changes the outputs whenever channels go.
      if (Object.keys(want).some((k) => worstMismatch(original[k]!.data, want[k]!.data) > 1)) changedBySomePlan = true;
      if (Object.keys(plan.groups).length > 0) prunedSomething = true;
      if (Object.keys(plan.groups).length > 0) expect(modelMetrics(decodeModel(bytes)).params).toBeLessThan(modelMetrics(model).params);
    }
    expect(changedBySomePlan, 'masking pruned channels changes some output').toBe(prunedSomething);
  });
});
