// The recovery registry and the never-worse guard that recoverPruned puts around every method.
import { describe, expect, it } from 'vitest';
import { analyseChannels } from '../graph/channels/analyse.js';
import { buildGraph } from '../graph/ir.js';
import { encodeModel } from '../onnx/codec.js';
import { tensorToFloat32 } from '../onnx/tensor.js';
import { applyPlan } from '../prune/apply.js';
import { planPrune } from '../prune/planner.js';
import { loadRepoModel, nodeRunner, seededRandom } from '../score/test-utils/ort-runner.js';
import { constantInput, editInitializers } from './common.js';
import { recoverPruned, RECOVERY_METHODS, recoveryInfo, runRecovery, type Recovery, type RecoveryMethod } from './recover.js';

const rand = seededRandom(11);
const batches = [{ feeds: { input: { dims: [4, 3, 64, 64], data: Float32Array.from({ length: 4 * 3 * 64 * 64 }, () => rand() * 2 - 1) } } }];
const model = loadRepoModel('tools/fixtures/models/resnet-basic-fused.onnx');
const analysis = analyseChannels(buildGraph(model));
const plan = planPrune(model, analysis, { ratio: 0.5, criterion: 'l1' });
const pruned = applyPlan(model, plan, analysis);

describe('recovery registry', () => {
  it('lists every method once, and unknown names are errors naming the valid ones', async () => {
    expect(RECOVERY_METHODS).toEqual(['none', 'bn', 'bias', 'lsq', 'distill']);
    expect(() => recoveryInfo('magic')).toThrow('unknown recovery method "magic"; choose one of: none, bn, bias, lsq');
    await expect(recoverPruned(model, pruned, plan, 'magic' as RecoveryMethod, { runner: nodeRunner, batches }, analysis)).rejects.toThrow(/choose one of/);
  });

  it('none changes nothing', async () => {
    const { model: out, report } = await recoverPruned(model, pruned, plan, 'none', { runner: nodeRunner, batches }, analysis);
    expect(report.layers).toEqual([]);
    expect(report.lossAfter).toBe(report.lossBefore);
    expect(encodeModel(out)).toEqual(encodeModel(pruned));
  });
});

describe('the never-worse guard of recoverPruned', () => {
  it('undoes a change that raises the calibration loss, keeps one that does not, and the method sees the outcome', async () => {
    const conv = pruned.graph!.node.find((n) => n.opType === 'Conv')!;
    const seen: number[] = [];
    const probe: Recovery<'probe'> = {
      id: 'probe',
      name: 'probe',
      description: 'test method',
      async *run({ model: m }) {
        const w = constantInput(buildGraph(m), conv, 1);
        yield { node: 'skip-me', skipped: 'nothing to do' };
        yield { node: 'harmful', apply: () => editInitializers(m, [{ name: w.name, dims: w.dims, data: w.data.map((v) => v * 50) }]), worse: 'made it worse' };
        seen.push(tensorToFloat32(m.graph!.initializer.find((t) => t.name === w.name)!)[0]!);
        yield { node: 'neutral', apply: () => editInitializers(m, [{ name: w.name, dims: w.dims, data: w.data }]), worse: 'made it worse' };
      },
    };
    const { model: out, report } = await runRecovery(probe, model, pruned, plan, { runner: nodeRunner, batches }, analysis);
    const w0 = constantInput(buildGraph(pruned), conv, 1).data[0]!;
    expect(seen).toEqual([w0]);
    expect(report.layers.map((l) => [l.node, l.action, l.reason])).toEqual([
      ['skip-me', 'skipped', 'nothing to do'],
      ['harmful', 'kept-original', 'made it worse'],
      ['neutral', 'updated', undefined],
    ]);
    expect(report.layers[1]!.lossAfter).toBeGreaterThan(report.layers[1]!.lossBefore!);
    expect(report.lossAfter).toBeLessThanOrEqual(report.lossBefore);
    expect(constantInput(buildGraph(out), conv, 1).data).toEqual(constantInput(buildGraph(pruned), conv, 1).data);
  });
});
