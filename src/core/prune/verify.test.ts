// The post-surgery check: a pruned model whose layers disagree with their inputs is refused with
// the node and the group named; correct surgery passes (the fixture property test runs it on every
// real export), and a disagreement the input already had is not blamed on pruning.
import { describe, expect, it } from 'vitest';
import { analyseChannels } from '../graph/channels/analyse.js';
import { ChannelContext } from '../graph/channels/context.js';
import { buildGraph } from '../graph/ir.js';
import { GraphBuilder } from '../graph/shape-ops/test-utils/graph-builder.js';
import { inferShapes } from '../graph/shapes.js';
import type { ModelProto } from '../onnx/proto.js';
import { applyPlan } from './apply.js';
import { planPrune } from './planner.js';
import { assertSurgeryConsistent, PruneIntegrityError } from './verify.js';

/** x → Conv a (8) → Relu → Conv b (4) → y */
const twoConvs = () =>
  new GraphBuilder(13)
    .input('x', ['N', 3, 8, 8]).weight('wa', [8, 3, 3, 3]).weight('ba', [8]).weight('wb', [4, 8, 1, 1])
    .node('Conv', ['x', 'wa', 'ba'], ['a'], { pads: [1, 1, 1, 1] }).node('Relu', ['a'], ['r']).node('Conv', ['r', 'wb'], ['y'])
    .output('y').build();

/** The pruned model with consumer b's weight put back to its unpruned width: what a missed dependency gives. */
function withOriginalWeight(pruned: ModelProto, original: ModelProto, name: string): ModelProto {
  const graph = pruned.graph!;
  const init = graph.initializer.map((t) => (t.name === name ? original.graph!.initializer.find((o) => o.name === name)! : t));
  return { ...pruned, graph: { ...graph, initializer: init } } as ModelProto;
}

describe('assertSurgeryConsistent', () => {
  const model = twoConvs();
  const analysis = analyseChannels(buildGraph(model));
  const plan = planPrune(model, analysis, { ratio: 0.5 });

  it('passes correct surgery', () => {
    expect(() => applyPlan(model, plan, analysis)).not.toThrow();
  });

  it('refuses a model whose consumer still expects the removed channels, naming node and group', () => {
    const broken = withOriginalWeight(applyPlan(model, plan, analysis), model, 'wb');
    let error: unknown;
    try {
      assertSurgeryConsistent(broken, analysis, plan);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PruneIntegrityError);
    const e = error as PruneIntegrityError;
    expect(e.problems.map((p) => p.node)).toEqual(['y']);
    expect(e.groups).toEqual(['a']);
    expect(e.message).toContain('has 4 channels but weight "wb"');
    expect(e.message).toContain('Nothing was written');
  });

  it('does not blame pruning for a disagreement the input already had', () => {
    const bad = new GraphBuilder(13)
      .input('x', ['N', 3, 8, 8]).weight('wa', [8, 3, 3, 3]).weight('wc', [2, 5, 1, 1])
      .node('Conv', ['x', 'wa'], ['a']).node('Conv', ['x', 'wc'], ['c']).output('a').output('c').build();
    const a = analyseChannels(buildGraph(bad));
    expect(() => assertSurgeryConsistent(bad, a, { ...plan, groups: {} })).not.toThrow();
  });
});

describe('ChannelContext.followed', () => {
  it('makes the channels a rule neither passes on, consumes nor refuses a barrier', () => {
    const model = twoConvs();
    const ir = buildGraph(model);
    const ctx = new ChannelContext(ir, inferShapes(ir));
    const [convA, relu] = ir.nodes;
    ctx.followed(convA!, () => ctx.setLayout('a', { axis: 1, rank: 4, segments: [{ space: ctx.newSpace(8, 'a', convA), start: 0, length: 8 }], block: 1 }));
    ctx.followed(relu!, () => {});
    expect(ctx.spaces[0]!.barriers).toEqual(['Relu could not follow the channels (unhandled layout) at r']);
  });
});
