// One tiny graph per channel rule of rules-pointwise.ts: what is tied, what becomes a member, and
// why something is a barrier. Each graph is Conv c1 (3 → 4 channels) → op under test → ...
import { describe, expect, it } from 'vitest';
import { OP_TRAITS } from '../op-traits.js';
import { analyse, conv, groupOf, memberRoles, withInput, type GraphBuilder } from './test-utils/tiny-graphs.js';

/** x → c1 (4 channels) → `build` → a tensor `y` → c2 (2 channels, the output). */
function around(build: (b: GraphBuilder) => void, yChannels = 4): GraphBuilder {
  const b = withInput(3);
  conv(b, 'x', 'c1', 3, 4);
  build(b);
  return conv(b, 'y', 'c2', yChannels, 2).output('c2');
}

describe('pass-through ops', () => {
  const ops = Object.entries(OP_TRAITS).filter(([, t]) => t.channel === 'passThrough').map(([op]) => op);

  it.each(ops)('%s carries the channels to the next conv', (op) => {
    const attrs: Record<string, number> = op === 'Cast' ? { to: 1 } : {};
    const a = analyse(around((b) => b.node(op, ['c1'], ['y'], attrs)));
    const g = groupOf(a, 'c1');
    expect(g.barriers).toEqual([]);
    expect(g.prunable).toBe(true);
    expect(memberRoles(g)).toEqual(['c1: Conv.weight[out]', 'c1: Conv.bias', 'c2: Conv.weight[in]']);
  });

  it('a used secondary output (Dropout mask) is a barrier', () => {
    const a = analyse(around((b) => b.node('Dropout', ['c1'], ['y', 'mask']).output('mask')));
    expect(groupOf(a, 'c1').barriers.join()).toContain('Dropout secondary output is used');
  });
});

describe('element-wise broadcast', () => {
  it('ties the two sides of a residual Add into one group', () => {
    const a = analyse(around((b) => conv(b, 'c1', 'r', 4, 4).node('Add', ['c1', 'r'], ['y'])));
    const g = groupOf(a, 'c1');
    expect(groupOf(a, 'r')).toBe(g);
    expect(g.prunable).toBe(true);
    expect(memberRoles(g)).toEqual(expect.arrayContaining(['c1: Conv.weight[out]', 'r: Conv.weight[out]', 'r: Conv.weight[in]', 'c2: Conv.weight[in]']));
  });

  it('ties an SE gate [N, C, 1, 1] to the feature map it scales, and keeps the bottleneck its own group', () => {
    const a = analyse(around((b) => {
      b.node('GlobalAveragePool', ['c1'], ['p']);
      conv(b, 'p', 'se1', 4, 2).node('Relu', ['se1'], ['se1r']);
      conv(b, 'se1r', 'se2', 2, 4).node('Sigmoid', ['se2'], ['gate']).node('Mul', ['c1', 'gate'], ['y']);
    }));
    const g = groupOf(a, 'c1');
    expect(groupOf(a, 'se2')).toBe(g);
    expect(g.prunable).toBe(true);
    expect(memberRoles(g)).toContain('se1: Conv.weight[in]');
    const bottleneck = groupOf(a, 'se1');
    expect(bottleneck).not.toBe(g);
    expect(bottleneck.prunable).toBe(true);
    expect(memberRoles(bottleneck)).toEqual(['se1: Conv.weight[out]', 'se1: Conv.bias', 'se2: Conv.weight[in]']);
  });

  it('leaves a scalar constant alone and slices a [C, 1, 1] constant with the channels', () => {
    const scalar = analyse(around((b) => b.weight('s', []).node('Mul', ['c1', 's'], ['y'])));
    expect(groupOf(scalar, 'c1').prunable).toBe(true);
    expect(memberRoles(groupOf(scalar, 'c1')).some((r) => r.includes('Mul'))).toBe(false);
    const perChannel = analyse(around((b) => b.weight('k', [4, 1, 1]).node('Add', ['c1', 'k'], ['y'])));
    expect(memberRoles(groupOf(perChannel, 'c1'))).toContain('y: Add.input1 (per-channel constant)');
  });

  it('is a barrier when a tensor it cannot rewrite (a second graph input) is full-size along the channel axis', () => {
    const a = analyse(around((b) => b.input('z', [1, 4, 4, 4]).node('Add', ['c1', 'z'], ['y'])));
    const g = groupOf(a, 'c1');
    expect(g.prunable).toBe(false);
    expect(g.barriers.join()).toContain('Add input "z" is not per-channel along the channel axis');
  });

  it('slices a PRelu slope [C, 1, 1]', () => {
    const a = analyse(around((b) => b.weight('slope', [4, 1, 1]).node('PRelu', ['c1', 'slope'], ['y'])));
    expect(memberRoles(groupOf(a, 'c1'))).toContain('y: PRelu.input1 (per-channel constant)');
  });

  it('slices a full-size constant along its channel axis; a tensor broadcast along channels adds no constraint', () => {
    const a = analyse(around((b) => b.weight('k', [4, 4, 4]).node('Mul', ['c1', 'k'], ['y'])));
    expect(memberRoles(groupOf(a, 'c1'))).toContain('y: Mul.input1 (per-channel constant)');
    const broadcast = analyse(around((b) => b.input('k', [1, 1, 4, 4]).node('Mul', ['c1', 'k'], ['y'])));
    expect(groupOf(broadcast, 'c1').prunable).toBe(true);
  });
});

describe('normalisations', () => {
  it('slices BatchNormalization parameters and keeps the group prunable', () => {
    const a = analyse(around((b) => {
      for (const p of ['g', 'be', 'm', 'v']) b.weight(p, [4]);
      b.node('BatchNormalization', ['c1', 'g', 'be', 'm', 'v'], ['y']);
    }));
    const g = groupOf(a, 'c1');
    expect(g.prunable).toBe(true);
    expect(memberRoles(g)).toEqual(expect.arrayContaining(['y: BatchNormalization.scale', 'y: BatchNormalization.var']));
  });

  it('makes GroupNormalization a barrier with its reason', () => {
    const a = analyse(around((b) => b.weight('gs', [4]).weight('gb', [4]).node('GroupNormalization', ['c1', 'gs', 'gb'], ['y'], { num_groups: 2 }), 4));
    expect(groupOf(a, 'c1').barriers.join()).toContain('normalises channels in groups');
  });
});

describe('softmax and reductions', () => {
  it('Softmax over the channel axis is a barrier; over the last axis it is not', () => {
    const over = analyse(around((b) => b.node('Softmax', ['c1'], ['y'], { axis: 1 })));
    expect(groupOf(over, 'c1').barriers.join()).toContain('Softmax normalises over the channel axis');
    const last = analyse(around((b) => b.node('Softmax', ['c1'], ['y'], { axis: -1 })));
    expect(groupOf(last, 'c1').prunable).toBe(true);
  });

  it('over the channel axis a sum is exact, a mean is a channel statistic, a max a barrier; over spatial axes the channels move with keepdims=0', () => {
    const over = (op: string) => groupOf(analyse(around((b) => b.node(op, ['c1'], ['y'], { axes: [1] }), 1)), 'c1');
    expect(over('ReduceMax').barriers.join()).toContain('ReduceMax reduces over the channel axis');
    expect(over('ReduceMean')).toMatchObject({ prunable: true, channelStatistics: true });
    expect(over('ReduceL2')).toMatchObject({ prunable: true, channelStatistics: false });
    const b = withInput(3);
    conv(b, 'x', 'c1', 3, 4).node('ReduceMean', ['c1'], ['r'], { axes: [2, 3], keepdims: 0 });
    b.weight('fc_w', [4, 10]).node('Gemm', ['r', 'fc_w'], ['fc']).output('fc');
    const spatial = analyse(b);
    expect(spatial.layouts.get('r')).toMatchObject({ axis: 1, rank: 2 });
    expect(groupOf(spatial, 'c1').prunable).toBe(true);
    expect(memberRoles(groupOf(spatial, 'c1'))).toContain('fc: Gemm.weight[in]');
  });

  it('Shape and Size read channels without constraining them', () => {
    const b = withInput(3);
    conv(b, 'x', 'c1', 3, 4).node('Shape', ['c1'], ['sh']).node('Size', ['c1'], ['sz']).output('sh').output('sz');
    conv(b, 'c1', 'c2', 4, 2).output('c2');
    expect(groupOf(analyse(b), 'c1').prunable).toBe(true);
  });
});

describe('barriers', () => {
  it('an op of another domain is a barrier naming it', () => {
    const a = analyse(around((b) => b.node('CustomFoo', ['c1'], ['y'], {}, 'com.example')));
    const g = groupOf(a, 'c1');
    expect(g.prunable).toBe(false);
    expect(g.barriers.join()).toContain('unsupported op com.example.CustomFoo (unknown op)');
  });

  it('an op with a shape rule but no channel rule (LRN sums neighbouring channels) is a barrier', () => {
    const a = analyse(around((b) => b.node('LRN', ['c1'], ['y'], { size: 3 })));
    expect(groupOf(a, 'c1').barriers.join()).toContain('unsupported op LRN');
  });

  it('the channels of a model output are never pruned', () => {
    const a = analyse(around((b) => b.node('Identity', ['c1'], ['y'])));
    expect(groupOf(a, 'c2').barriers.join()).toContain('model output (class channels): c2');
    expect(groupOf(a, 'c1').prunable).toBe(true);
  });
});
