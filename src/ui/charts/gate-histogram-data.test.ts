import { describe, expect, it } from 'vitest';
import type { GroupSummary } from '../../workers/protocol';
import { groupWidths, histogramBars, undecidedText } from './gate-histogram-data';

describe('gate histogram data', () => {
  it('makes one bar per bin with its range and share, and marks the bins inside (0.05, 0.95) as undecided', () => {
    const bars = histogramBars({ bins: 20, counts: [10, ...new Array<number>(18).fill(0), 30], total: 40 });
    expect(bars).toHaveLength(20);
    expect(bars[0]).toEqual({ from: 0, to: 0.05, count: 10, share: 0.25, undecided: false });
    expect(bars[19]!.share).toBe(0.75);
    expect(bars[19]!.undecided).toBe(false);
    expect(bars.filter((b) => b.undecided)).toHaveLength(18);
    expect(histogramBars({ bins: 2, counts: [0, 0], total: 0 }).map((b) => b.share)).toEqual([0, 0]);
  });

  it('says the undecided share with one decimal below 10 %', () => {
    expect(undecidedText({ undecided: 0.032 })).toBe('3.2 % undecided (gates in 0.05–0.95)');
    expect(undecidedText({ undecided: 0.5 })).toBe('50 % undecided (gates in 0.05–0.95)');
    expect(undecidedText({ undecided: 0 })).toBe('0 % undecided (gates in 0.05–0.95)');
  });

  it('lists the prunable groups with their kept channels (all when the gates keep the whole group)', () => {
    const g = (id: string, channels: number, prunable = true): GroupSummary => ({ id, label: `L${id}`, channels, prunable, members: [] });
    expect(groupWidths([g('a', 16), g('b', 8, false), g('c', 32)], { a: [0, 3, 5] })).toEqual([
      { id: 'a', label: 'La', channels: 16, kept: 3 },
      { id: 'c', label: 'Lc', channels: 32, kept: 32 },
    ]);
  });
});
