// Sensitivity allocation on a model with several outputs weighs every output: a decoder group that
// the class output never reads is not "free" because its class-output drop is 0 (it was cut to 1/12
// of its channels on a two-task model before), its cost is the largest drop over the outputs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyseChannels } from '../graph/channels/analyse.js';
import { buildGraph } from '../graph/ir.js';
import { decodeModel } from '../onnx/codec.js';
import { scoreGroups } from '../score/criteria.js';
import { allocationDrop, type SensitivityResult } from '../score/sensitivity.js';
import { REPO_ROOT } from '../score/test-utils/ort-runner.js';
import { allocateGreedy } from './allocate.js';
import { planCosting } from './plan-costing.js';

const MODEL = 'tools/fixtures/models/multi-task.onnx';
const model = decodeModel(readFileSync(join(REPO_ROOT, MODEL)), MODEL);
const analysis = analyseChannels(buildGraph(model));

describe('sensitivity allocation with several outputs', () => {
  it('allocationDrop is the largest drop over the outputs, the main drop for one output', () => {
    expect(allocationDrop({ drop: [0.1, 0.2], macs: [], params: [] }, 1)).toBe(0.2);
    expect(allocationDrop({ drop: [0, 0], macs: [], params: [], perOutput: { logits: [0, 0], reconstruction: [0.3, 0.6] } }, 1)).toBe(0.6);
  });

  it('the greedy spares a group that only the dense output needs', async () => {
    const { scores } = await scoreGroups(model, 'l1', { runner: undefined as never, batches: [] }, analysis);
    const groups = analysis.groups.filter((g) => g.prunable);
    const decoder = groups.find((g) => g.id.includes('up1'))!;
    const ratios = [0.25, 0.5, 0.75];
    const base = planCosting(model, analysis).base;
    // Every group: small drops on both outputs; the decoder: none on the logits, large on the reconstruction.
    const curves: SensitivityResult['curves'] = Object.fromEntries(groups.map((g) => {
      const isDecoder = g.id === decoder.id;
      const small = ratios.map((r) => 0.01 * r);
      return [g.id, {
        drop: isDecoder ? [0, 0, 0] : small,
        macs: ratios.map((r) => base.macs * (1 - 0.1 * r)),
        params: ratios.map((r) => base.params * (1 - 0.1 * r)),
        perOutput: { logits: isDecoder ? [0, 0, 0] : small, reconstruction: isDecoder ? ratios.map((r) => 0.5 * r) : small },
      }];
    }));
    const sensitivity: SensitivityResult = {
      ratios, metric: 'agreement', criterion: 'l1', baseline: { agreement: 1, kl: 0 } as SensitivityResult['baseline'], baseMacs: base.macs, baseParams: base.params, curves,
      outputs: [{ name: 'logits', task: 'class', measure: 'agreement' }, { name: 'reconstruction', task: 'dense', measure: '1 − R²' }],
    };
    const result = await allocateGreedy(model, analysis, { sensitivity, scores, target: { kind: 'macs', keep: 0.8 } });
    expect(result.reached).toBe(true);
    expect(result.ratios[decoder.id] ?? 0).toBe(0);
    expect(Object.values(result.ratios).some((r) => r > 0)).toBe(true);
  });
});
