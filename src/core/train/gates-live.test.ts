import { describe, expect, it } from 'vitest';
import { gateHistogram } from './gates.js';
import { keptOf, liveGates } from './gates-live.js';

describe('live gates', () => {
  it('bins gates over [0, 1] (1 in the last bin), counts exact zeros and the undecided share in (0.05, 0.95)', () => {
    const h = gateHistogram(new Map([['a', Float32Array.of(0, 0, 0.04, 0.2, 0.5, 0.96, 0.99, 1)]]), 10);
    expect(h.counts).toEqual([3, 0, 1, 0, 0, 1, 0, 0, 0, 3]);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(h.total);
    expect(h.zero).toBe(2);
    expect(h.undecided).toBeCloseTo(2 / 8);
  });

  it('keeps the gates at ½ or above, and the highest one when a whole group is below', () => {
    expect(keptOf([0.9, 0.1, 0.5, 0.49])).toEqual([0, 2]);
    expect(keptOf([0.1, 0.3, 0.2])).toEqual([1]);
    expect(keptOf([])).toEqual([]);
  });

  it('sums kept and total channels over the groups', () => {
    const live = liveGates(new Map([['a', [1, 0, 0.7]], ['b', [0, 0]]]), 4);
    expect(live.kept).toEqual({ a: [0, 2], b: [0] });
    expect(live.keptChannels).toBe(3);
    expect(live.totalChannels).toBe(5);
    expect(live.histogram.counts).toEqual([3, 0, 1, 1]);
    expect(live.histogram.zero).toBe(3);
  });
});
