import { describe, expect, it } from 'vitest';
import type { GroupSummary } from '../../workers/protocol';
import { groupForNode } from './sync';

const g = (id: string, members: string[], prunable = true): GroupSummary => ({ id, label: id, channels: 8, members, prunable });

describe('groupForNode', () => {
  const groups = [g('out', ['head', 'fc'], false), g('conv1', ['conv1', 'conv2']), g('conv2', ['conv2', 'head'])];

  it('keeps the current group when the node belongs to it and produces no group of its own', () => {
    expect(groupForNode(groups, 'conv2', 'conv2')).toBe('conv2');
    expect(groupForNode(groups, 'head', 'out')).toBe('out');
  });

  it('prefers a prunable group, then any group, then none', () => {
    expect(groupForNode(groups, 'head', undefined)).toBe('conv2');
    expect(groupForNode(groups, 'fc', 'conv1')).toBe('out');
    expect(groupForNode(groups, 'input:image', 'conv1')).toBeUndefined();
  });

  it('a layer selects the group of the channels it produces, not the one it reads (even when that one is shown)', () => {
    expect(groupForNode(groups, 'conv2', undefined)).toBe('conv2');
    expect(groupForNode(groups, 'conv2', 'conv1')).toBe('conv2');
  });
});
