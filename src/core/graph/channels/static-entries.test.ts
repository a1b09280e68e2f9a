// Sizes read from a channel width must not change silently after pruning: a Reshape of data that is
// not pruned keeps its target, and a width cast to float (a scale) keeps its value. Checked by
// pruning the width and comparing with the masked original in onnxruntime.
import { describe, expect, it } from 'vitest';
import { encodeModel } from '../../onnx/codec.js';
import { buildGraph } from '../ir.js';
import { applyPlan } from '../../prune/apply.js';
import { maskedReference } from '../../prune/test-utils/masked.js';
import { randomInputs, runModel, worstMismatch } from '../../prune/test-utils/ort.js';
import type { PrunePlan } from '../../prune/plan.js';
import { analyseChannels } from './analyse.js';
import { conv, groupOf, memberRoles, withInput, type GraphBuilder } from './test-utils/tiny-graphs.js';

/** c1 (4 channels, prunable) feeds c2; its width is read by Shape → Gather(1). */
function readsWidth(use: (b: GraphBuilder) => void): GraphBuilder {
  const b = withInput(3);
  conv(b, 'x', 'c1', 3, 4);
  conv(b, 'c1', 'c2', 4, 2);
  b.node('Shape', ['c1'], ['shape']).ints('one', [1], []).node('Gather', ['shape', 'one'], ['width'], { axis: 0 });
  use(b);
  return b;
}

async function expectPrunedEqualsMasked(b: GraphBuilder) {
  const model = b.build();
  const analysis = analyseChannels(buildGraph(model));
  const plan: PrunePlan = { format: 'prune-studio-plan', version: 1, model: { graph: '', producer: '', nodes: 0 }, criterion: 'test', groups: { c1: { channels: 4, keep: [0, 2, 3] } } };
  const feeds = randomInputs([{ name: 'x', shape: [1, 3, 4, 4] }], 1);
  const [want, got] = await Promise.all([runModel(maskedReference(model, plan, analysis), feeds), runModel(encodeModel(applyPlan(model, plan, analysis)), feeds)]);
  for (const k of Object.keys(want)) {
    expect(got[k]!.dims).toEqual(want[k]!.dims);
    expect(worstMismatch(want[k]!.data, got[k]!.data, 1e-4)).toBeLessThanOrEqual(1);
  }
  return analysis;
}

describe('sizes read from a channel width', () => {
  it('a Reshape of unpruned data keeps a target entry computed from the width (frozen Concat piece)', async () => {
    const b = readsWidth((g) => {
      // y: [1, 8, 2] viewed as [1, width·2, 2]: the 8 is 4 × 2 read from c1, not y's own channels.
      g.input('y', [1, 8, 2]).ints('two', [2], []).node('Mul', ['width', 'two'], ['w2']).ints('axis0', [0], [1])
        .node('Unsqueeze', ['w2', 'axis0'], ['w2v']).ints('lead', [1], [1]).ints('tail', [2], [1])
        .node('Concat', ['lead', 'w2v', 'tail'], ['target'], { axis: 0 }).node('Reshape', ['y', 'target'], ['z']).output('c2').output('z');
    });
    const model = b.build();
    const analysis = analyseChannels(buildGraph(model));
    expect(groupOf(analysis, 'c1').prunable).toBe(true);
    expect(memberRoles(groupOf(analysis, 'c1')).join('\n')).toMatch(/target: Concat.input1 \(z target entry 1, kept at 8\)/);
    const plan: PrunePlan = { format: 'prune-studio-plan', version: 1, model: { graph: '', producer: '', nodes: 0 }, criterion: 'test', groups: { c1: { channels: 4, keep: [0, 2, 3] } } };
    const feeds = { ...randomInputs([{ name: 'x', shape: [1, 3, 4, 4] }], 1), ...randomInputs([{ name: 'y', shape: [1, 8, 2] }], 2) };
    const got = await runModel(encodeModel(applyPlan(model, plan, analysis)), feeds);
    expect(got.z!.dims).toEqual([1, 8, 2]);
  });

  it('a width cast to float (a scale) keeps its value', async () => {
    const analysis = await expectPrunedEqualsMasked(readsWidth((g) => {
      g.node('Cast', ['width'], ['wf'], { to: 1 }).node('Mul', ['c2', 'wf'], ['scaled']).output('scaled');
    }));
    expect(memberRoles(groupOf(analysis, 'c1')).join('\n')).toMatch(/Cast.input0 \(a size read from a channel width, kept at 4\)/);
  });
});
