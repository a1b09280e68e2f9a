// Per-layer MACs of a plan, counted from the kept channels, must equal each layer's MACs in the
// applied plan's model (the architecture chart shows them per layer), on every runnable fixture.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeModel } from '../onnx/codec.js';
import { resolveExternalData } from '../onnx/external-data.js';
import { buildGraph } from '../graph/ir.js';
import { analyseChannels } from '../graph/channels/analyse.js';
import { applyPlan } from '../prune/apply.js';
import { halfPlan, randomPlan } from '../prune/test-utils/masked.js';
import { MAC_OPS } from './macs.js';
import { modelMetrics } from './model-metrics.js';
import { costOfPlan, layerMacsOfPlan, planCostModel } from './plan-cost.js';

const DIR = new URL('../../../tools/fixtures/models/', import.meta.url);
interface Fixture { file: string; runnable: boolean }
const manifest = JSON.parse(readFileSync(new URL('manifest.json', DIR), 'utf8')) as { fixtures: Fixture[] };
const runnable = manifest.fixtures.filter((f) => f.runnable);

describe.each(runnable)('layerMacsOfPlan on $file', async (fixture) => {
  const model = await resolveExternalData(decodeModel(readFileSync(new URL(fixture.file, DIR)), fixture.file), (loc) => readFileSync(new URL(loc, DIR)), fixture.file);

  it('equals each MAC layer of the applied plan, in graph order, and sums to costOfPlan', () => {
    const analysis = analyseChannels(buildGraph(model));
    const pcm = planCostModel(analysis)!;
    for (const seed of [1, -1]) {
      const plan = seed < 0 ? halfPlan(analysis) : randomPlan(analysis, seed, 0.9);
      const layers = layerMacsOfPlan(pcm, plan)!;
      const applied = modelMetrics(applyPlan(model, plan, analysis)).nodes.filter((n) => MAC_OPS.has(n.opType));
      expect(layers, `${fixture.file} seed ${seed}`).toEqual(applied.map((n) => ({ node: n.id, ...(n.macs === null ? {} : { macs: n.macs }) })));
      expect(layers.reduce((sum, l) => sum + (l.macs ?? 0), 0)).toBe(costOfPlan(pcm, plan)!.macs);
    }
    // No plan: the original model's layers.
    const original = modelMetrics(model).nodes.filter((n) => MAC_OPS.has(n.opType));
    expect(layerMacsOfPlan(pcm, { ...halfPlan(analysis), groups: {} })!.map((l) => l.macs ?? null)).toEqual(original.map((n) => n.macs));
    expect(layerMacsOfPlan(pcm, { ...halfPlan(analysis), criterion: 'lossless' })).toBeUndefined();
  });
});
