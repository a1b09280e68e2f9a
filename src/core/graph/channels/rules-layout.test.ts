// One tiny graph per rule of rules-layout.ts and rules-linear.ts: Concat offsets, Split, Slice,
// Transpose to channels-last, Flatten/Reshape into Gemm, depthwise and grouped convolutions.
import { describe, expect, it } from 'vitest';
import { analyse, conv, groupOf, memberRoles, withInput } from './test-utils/tiny-graphs.js';

describe('Concat and Split', () => {
  it('lays Concat inputs out at offsets in the consumer weight', () => {
    const b = withInput(3);
    conv(b, 'x', 'c1', 3, 2);
    conv(b, 'x', 'c2', 3, 4).node('Concat', ['c1', 'c2'], ['cat'], { axis: 1 });
    conv(b, 'cat', 'c3', 6, 2).output('c3');
    const a = analyse(b);
    expect(groupOf(a, 'c1')).not.toBe(groupOf(a, 'c2'));
    expect(memberRoles(groupOf(a, 'c1'))).toContain('c3: Conv.weight[in] offset 0');
    expect(memberRoles(groupOf(a, 'c2'))).toContain('c3: Conv.weight[in] offset 2');
    expect(a.layouts.get('cat')!.segments.map((s) => s.length)).toEqual([2, 4]);
  });

  it('joins a constant Concat input as channels that are never pruned, without blocking the others', () => {
    const b = withInput(3);
    conv(b, 'x', 'c1', 3, 4).weight('extra', [1, 2, 4, 4]).node('Concat', ['c1', 'extra'], ['cat'], { axis: 1 });
    conv(b, 'cat', 'c3', 6, 2).output('c3');
    const a = analyse(b);
    expect(groupOf(a, 'c1').prunable).toBe(true);
    expect(a.groups.find((g) => g.barriers.some((r) => r.includes('untracked input "extra"')))).toBeDefined();
  });

  it('Concat on another axis ties its inputs', () => {
    const b = withInput(3);
    conv(b, 'x', 'c1', 3, 4);
    conv(b, 'x', 'c2', 3, 4).node('Concat', ['c1', 'c2'], ['cat'], { axis: 2 });
    conv(b, 'cat', 'c3', 4, 2).output('c3');
    const a = analyse(b);
    expect(groupOf(a, 'c1')).toBe(groupOf(a, 'c2'));
  });

  it('cuts a Split on the channel axis into sub-ranges of one group, with the sizes as a member', () => {
    const b = withInput(3);
    conv(b, 'x', 'c1', 3, 4).ints('sizes', [1, 3]).node('Split', ['c1', 'sizes'], ['s0', 's1'], { axis: 1 });
    conv(b, 's0', 'a0', 1, 2);
    conv(b, 's1', 'a1', 3, 2).node('Add', ['a0', 'a1'], ['y']).output('y');
    const a = analyse(b);
    const g = groupOf(a, 'c1');
    expect(g.prunable).toBe(true);
    expect(memberRoles(g)).toEqual(expect.arrayContaining(['s0: Split.split', 'a0: Conv.weight[in]', 'a1: Conv.weight[in]']));
    expect(a.layouts.get('s1')!.segments).toEqual([{ space: g.spaces[0], start: 1, length: 3 }]);
  });
});

describe('Slice', () => {
  it('a Slice of the channel axis keeps the range as a member', () => {
    const b = withInput(3);
    conv(b, 'x', 'c1', 3, 4).ints('st', [1]).ints('en', [3]).ints('ax', [1]).node('Slice', ['c1', 'st', 'en', 'ax'], ['sl']);
    conv(b, 'sl', 'c2', 2, 2).output('c2');
    const a = analyse(b);
    const g = groupOf(a, 'c1');
    expect(g.prunable).toBe(true);
    expect(memberRoles(g)).toEqual(expect.arrayContaining(['sl: Slice.starts/ends', 'c2: Conv.weight[in]']));
    expect(a.layouts.get('sl')!.segments).toEqual([{ space: g.spaces[0], start: 1, length: 2 }]);
  });

  it('a strided Slice of the channel axis is a barrier; a Slice of another axis passes', () => {
    const strided = withInput(3);
    conv(strided, 'x', 'c1', 3, 4).ints('st', [0]).ints('en', [4]).ints('ax', [1]).ints('step', [2]);
    strided.node('Slice', ['c1', 'st', 'en', 'ax', 'step'], ['sl']);
    conv(strided, 'sl', 'c2', 2, 2).output('c2');
    expect(groupOf(analyse(strided), 'c1').barriers.join()).toContain('Slice on the channel axis with a step');
    const spatial = withInput(3);
    conv(spatial, 'x', 'c1', 3, 4).ints('st', [0]).ints('en', [2]).ints('ax', [2]).node('Slice', ['c1', 'st', 'en', 'ax'], ['sl']);
    conv(spatial, 'sl', 'c2', 4, 2).output('c2');
    expect(groupOf(analyse(spatial), 'c1').prunable).toBe(true);
  });
});

describe('layout changes into linear layers', () => {
  it('follows a Transpose to channels-last into a MatMul (weight rows)', () => {
    const b = withInput(3);
    conv(b, 'x', 'c1', 3, 4).node('Transpose', ['c1'], ['t'], { perm: [0, 2, 3, 1] });
    b.weight('mw', [4, 5]).node('MatMul', ['t', 'mw'], ['mm']).output('mm');
    const a = analyse(b);
    expect(a.layouts.get('t')).toMatchObject({ axis: 3, rank: 4 });
    expect(groupOf(a, 'c1').prunable).toBe(true);
    expect(memberRoles(groupOf(a, 'c1'))).toContain('mm: MatMul.weight[in]');
  });

  it('a Flatten into Gemm makes each channel a block of H·W weight rows', () => {
    const b = withInput(3);
    conv(b, 'x', 'c1', 3, 4).node('Flatten', ['c1'], ['f'], { axis: 1 });
    b.weight('fw', [64, 10]).node('Gemm', ['f', 'fw'], ['fc']).output('fc');
    const a = analyse(b);
    expect(a.layouts.get('f')).toMatchObject({ axis: 1, rank: 2, block: 16 });
    expect(memberRoles(groupOf(a, 'c1'))).toContain('fc: Gemm.weight[in] block 16');
    expect(groupOf(a, 'fc').barriers.join()).toContain('model output');
  });

  it('a Reshape to [N, -1] into Gemm does the same; a Reshape that mixes channels is a barrier', () => {
    const b = withInput(3);
    conv(b, 'x', 'c1', 3, 4).ints('shape', [1, -1]).node('Reshape', ['c1', 'shape'], ['r']);
    b.weight('fw', [10, 64]).node('Gemm', ['r', 'fw'], ['fc'], { transB: 1 }).output('fc');
    expect(memberRoles(groupOf(analyse(b), 'c1'))).toContain('fc: Gemm.weight[in] block 16');
    const mixed = withInput(3);
    conv(mixed, 'x', 'c1', 3, 4).ints('shape', [1, 2, 2, 16]).node('Reshape', ['c1', 'shape'], ['r']).output('r');
    expect(groupOf(analyse(mixed), 'c1').barriers.join()).toContain('Reshape mixes channels');
  });

  it('a Reshape that keeps the channel axis (size-1 axes come and go) rewrites the constant shape entry that counts channels', () => {
    const b = withInput(3);
    conv(b, 'x', 'c1', 3, 4).ints('shape', [1, 4, 1, 4, 4]).node('Reshape', ['c1', 'shape'], ['r']);
    b.ints('back', [1, 4, 4, 4]).node('Reshape', ['r', 'back'], ['r2']);
    conv(b, 'r2', 'c2', 4, 2).output('c2');
    const g = groupOf(analyse(b), 'c1');
    expect(g.prunable).toBe(true);
    expect(memberRoles(g)).toEqual(expect.arrayContaining(['r: Reshape.shape[1]', 'r2: Reshape.shape[1]']));
  });
});

describe('depthwise and grouped convolutions', () => {
  it('ties a depthwise conv to its input channels (one group, group attribute as a member)', () => {
    const b = withInput(3);
    conv(b, 'x', 'c1', 3, 4);
    conv(b, 'c1', 'dw', 4, 4, { k: 3, group: 4 });
    conv(b, 'dw', 'c2', 4, 2).output('c2');
    const a = analyse(b);
    const g = groupOf(a, 'c1');
    expect(a.spaces.some((s) => s.name === 'dw')).toBe(false);
    expect(g.prunable).toBe(true);
    expect(memberRoles(g)).toEqual(expect.arrayContaining(['dw: Conv.weight[depthwise]', 'dw: Conv.group', 'dw: Conv.bias', 'c2: Conv.weight[in]']));
  });

  it('a grouped conv is a barrier unless grouped pruning is enabled, then it needs equal blocks', () => {
    const build = () => {
      const b = withInput(3);
      conv(b, 'x', 'c1', 3, 4);
      conv(b, 'c1', 'gc', 4, 4, { group: 2 });
      return conv(b, 'gc', 'c2', 4, 2).output('c2');
    };
    const plain = analyse(build());
    expect(groupOf(plain, 'c1').barriers.join()).toContain('grouped convolution (group=2)');
    const grouped = analyse(build(), { groupedConvolutions: true });
    expect(groupOf(grouped, 'c1')).toMatchObject({ prunable: true, blocks: 2 });
    expect(memberRoles(groupOf(grouped, 'c1'))).toContain('gc: Conv.weight[in] (group=2)');
  });
});
