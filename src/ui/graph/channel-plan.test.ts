import { describe, expect, it } from 'vitest';
import type { GroupSummary, ModelSummary } from '../../workers/protocol';
import { channelSpeech, channelText, edgeWidth, planOnGraph, tensorRanges } from './channel-plan';
import { nodeColours, textOn } from './colour-modes';

// conv1 (8 ch) → relu → concat with conv2 (4 ch) → gemm (10 classes: a barrier).
const groups: GroupSummary[] = [
  { id: 'conv1', label: 'conv1', channels: 8, members: ['conv1', 'relu'], prunable: true, tensors: [{ tensor: 'c1', start: 0, length: 8 }, { tensor: 'r1', start: 0, length: 8 }, { tensor: 'cat', start: 0, length: 8 }] },
  { id: 'conv2', label: 'conv2', channels: 4, members: ['conv2'], prunable: true, tensors: [{ tensor: 'c2', start: 0, length: 4 }, { tensor: 'cat', start: 0, length: 4 }] },
  { id: 'gemm', label: 'gemm', channels: 10, members: ['gemm'], prunable: false, reason: 'model output (class channels): logits', tensors: [{ tensor: 'logits', start: 0, length: 10 }] },
];
const node = (id: string, output: string) => ({ id, outputs: [output] });
const summary = {
  inputs: [{ id: 'input:x', name: 'x' }],
  outputs: [{ id: 'output:logits', name: 'logits' }],
  nodes: [node('conv1', 'c1'), node('relu', 'r1'), node('conv2', 'c2'), node('cat', 'cat'), node('gemm', 'logits'), node('shape', 's')],
} as unknown as ModelSummary;

describe('the plan on the graph', () => {
  const ranges = tensorRanges(groups);

  it('before any plan: every node with tracked channels reads "N ch", barriers carry their reason', () => {
    const plan = planOnGraph(summary, ranges, undefined);
    expect(plan.hasPlan).toBe(false);
    expect(channelText(plan.nodes.get('conv1')!, plan.hasPlan)).toBe('8 ch');
    expect(plan.nodes.get('cat')!.before).toBe(12);
    expect(plan.nodes.has('shape')).toBe(false);
    const gemm = plan.nodes.get('gemm')!;
    expect(channelSpeech(gemm, plan.hasPlan)).toBe('10 channels, barrier: model output (class channels): logits');
    expect(plan.nodes.get('output:logits')).toBe(gemm);
    expect(plan.maxChannels).toBe(12);
  });

  it('after a plan: "before → after" from the keep lists, counted per range (Concat sums its parts)', () => {
    const plan = planOnGraph(summary, ranges, { conv1: [7, 0, 3, 5], conv2: [1, 2, 3] });
    expect(plan.hasPlan).toBe(true);
    expect(channelText(plan.nodes.get('relu')!, true)).toBe('8 → 4');
    expect(channelText(plan.nodes.get('cat')!, true)).toBe('12 → 7');
    expect(channelSpeech(plan.nodes.get('conv2')!, true)).toBe('4 → 3 channels');
    // A barrier keeps its channels and says so plainly.
    expect(channelText(plan.nodes.get('gemm')!, true)).toBe('10 ch');
    expect(plan.tensors.get('c1')!.after).toBe(4);
  });

  it('a range that holds only part of a group counts the kept indices inside it', () => {
    const split: GroupSummary = { ...groups[0]!, tensors: [{ tensor: 'lo', start: 0, length: 4 }, { tensor: 'hi', start: 4, length: 4 }] };
    const plan = planOnGraph({ inputs: [], outputs: [], nodes: [node('a', 'lo'), node('b', 'hi')] } as unknown as ModelSummary, tensorRanges([split]), { conv1: [0, 5, 6, 7] });
    expect(plan.nodes.get('a')!.after).toBe(1);
    expect(plan.nodes.get('b')!.after).toBe(3);
  });

  it('edge widths grow with channels, from 1 to 7 graph units', () => {
    expect(edgeWidth(0, 64)).toBe(1);
    expect(edgeWidth(64, 64)).toBe(7);
    expect(edgeWidth(16, 64)).toBe(4);
    expect(edgeWidth(undefined, 64)).toBeUndefined();
  });
});

describe('colour modes', () => {
  const ranges = tensorRanges(groups);

  it('fraction removed paints nothing without a plan, and more removed is darker', () => {
    expect(nodeColours('removed', { plan: planOnGraph(summary, ranges, undefined) }).colours.size).toBe(0);
    const plan = planOnGraph(summary, ranges, { conv1: [0, 1], conv2: [0, 1, 2, 3] });
    const { colours, domain } = nodeColours('removed', { plan });
    expect(domain).toEqual([0, 1]);
    expect(textOn(colours.get('conv1')!)).toBe('#fff');
    expect(textOn(colours.get('conv2')!)).toBe('#111');
    expect(colours.has('shape')).toBe(false);
  });

  it('sensitivity and importance read per-group results and span the values present', () => {
    const plan = planOnGraph(summary, ranges, undefined);
    const sensitivity = { ratios: [0.25, 0.5], metric: 'top1', curves: { conv1: [0.1, 0.3], conv2: [0, 0] } } as never;
    const s = nodeColours('sensitivity', { plan, sensitivity });
    expect(s.domain).toEqual([0, 0.2]);
    expect(s.colours.get('conv1')).not.toBe(s.colours.get('conv2'));
    // The Concat mixes both groups: its colour lies between them.
    expect(s.colours.has('cat')).toBe(true);
    const scores = { criterion: 'l1', scores: { conv1: Float32Array.from([1, 3]), conv2: Float32Array.from([4, 4]) } };
    const i = nodeColours('importance', { plan, scores });
    expect(i.domain).toEqual([2, 4]);
    expect(nodeColours('importance', { plan }).colours.size).toBe(0);
  });
});
