// The cost of a plan computed without applying it must equal the metrics of the applied plan,
// on every runnable exporter fixture, for random plans and the half plan.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeModel } from '../onnx/codec.js';
import { resolveExternalData } from '../onnx/external-data.js';
import { buildGraph } from '../graph/ir.js';
import { analyseChannels } from '../graph/channels/analyse.js';
import { applyPlan } from '../prune/apply.js';
import { halfPlan, randomPlan } from '../prune/test-utils/masked.js';
import { modelMetrics } from './model-metrics.js';
import { costOfPlan, planCostModel } from './plan-cost.js';

const DIR = new URL('../../../tools/fixtures/models/', import.meta.url);
interface Fixture { file: string; runnable: boolean }
const manifest = JSON.parse(readFileSync(new URL('manifest.json', DIR), 'utf8')) as { fixtures: Fixture[] };
const runnable = manifest.fixtures.filter((f) => f.runnable);

describe.each(runnable)('costOfPlan on $file', async (fixture) => {
  const model = await resolveExternalData(decodeModel(readFileSync(new URL(fixture.file, DIR)), fixture.file), (loc) => readFileSync(new URL(loc, DIR)), fixture.file);

  // With and without grouped-convolution pruning: the studio analyses without, the CLI can with.
  it.each([false, true])('equals the applied plan\'s metrics (grouped convolutions %s)', (groupedConvolutions) => {
    const analysis = analyseChannels(buildGraph(model), undefined, { groupedConvolutions });
    const pcm = planCostModel(analysis);
    expect(pcm, 'every fixture is costed without the fallback').toBeDefined();
    for (const seed of [1, 2, 3, 4, -1]) {
      const plan = seed < 0 ? halfPlan(analysis) : randomPlan(analysis, seed, 0.9);
      const m = modelMetrics(applyPlan(model, plan, analysis));
      const want = { params: m.params, bytes: m.bytes, macs: m.macs, macsUnknown: m.macsUnknown.length };
      expect(costOfPlan(pcm!, plan), `${fixture.file} seed ${seed}`).toEqual(want);
    }
    const original = modelMetrics(model);
    const empty = { ...halfPlan(analysis), groups: {} };
    expect(costOfPlan(pcm!, empty)).toEqual({ params: original.params, bytes: original.bytes, macs: original.macs, macsUnknown: original.macsUnknown.length });
    // Lossless plans fold constants into biases before surgery: not mirrored, the caller applies them.
    expect(costOfPlan(pcm!, { ...empty, criterion: 'lossless' })).toBeUndefined();
  });
});
