import { describe, expect, it } from 'vitest';
import { emptySweep, formatTimeLeft, paretoFront, parseTargets, sweepCriteriaOf, sweepMetric, sweepOrder, sweepSeries, timeLeftMs, type SweepPoint } from './tradeoffs-data';

describe('paretoFront', () => {
  it('keeps the points no other point beats on both MACs kept (lower) and metric (higher), in MACs order', () => {
    const pts = [
      { x: 0.9, y: 0.92 }, // front: the most accurate
      { x: 0.7, y: 0.9 }, // front
      { x: 0.72, y: 0.85 }, // beaten by (0.7, 0.9)
      { x: 0.5, y: 0.8 }, // front
      { x: 0.5, y: 0.7 }, // beaten by (0.5, 0.8): same MACs, worse
      { x: 0.3, y: 0.4 }, // front: the cheapest
      { x: 0.95, y: 0.92 }, // beaten by (0.9, 0.92): same metric, more MACs
    ];
    expect(paretoFront(pts)).toEqual([5, 3, 1, 0]);
  });

  it('keeps equal points together, and handles none or one', () => {
    expect(paretoFront([{ x: 0.5, y: 0.8 }, { x: 0.5, y: 0.8 }])).toEqual([0, 1]);
    expect(paretoFront([])).toEqual([]);
    expect(paretoFront([{ x: 1, y: 0 }])).toEqual([0]);
  });
});

describe('timeLeftMs', () => {
  it('is unknown before a point is done, then the recent points’ mean per point left, less the one in flight', () => {
    expect(timeLeftMs([], 7)).toBeUndefined();
    expect(timeLeftMs([5000, 1000, 1000, 1000], 3)).toBe(3000); // the slow first point no longer counts
    expect(timeLeftMs([2000], 4, 500)).toBe(7500);
    expect(timeLeftMs([2000], 2, 9000)).toBe(2000); // a point over its estimate counts as done, not negative
    expect(timeLeftMs([2000], 0)).toBe(0);
  });

  it('reads as words', () => {
    expect(formatTimeLeft(undefined)).toBe('estimating time left…');
    expect(formatTimeLeft(400)).toBe('under a second left');
    expect(formatTimeLeft(12_400)).toBe('about 12 s left');
    expect(formatTimeLeft(125_000)).toBe('about 2 min 5 s left');
  });
});

describe('sweep requests', () => {
  it('parses the targets, highest first, and names a bad entry', () => {
    expect(parseTargets('90, 80 70;50 %')).toEqual({ error: expect.stringContaining('“%”') as string });
    expect(parseTargets('50, 90 70% 90')).toEqual({ targets: [90, 70, 50] });
    expect(parseTargets('')).toEqual({ error: expect.stringContaining('at least one') as string });
    expect(parseTargets('80, 100')).toEqual({ error: expect.stringContaining('“100”') as string });
    expect(parseTargets('abc')).toEqual({ error: expect.stringContaining('between 1 and 99') as string });
  });

  it('runs one series after the other, least pruned first', () => {
    const series = sweepSeries([{ id: 'l1', name: 'L1' }, { id: 'l2', name: 'L2' }], ['uniform', 'global']);
    expect(series.map((s) => [s.id, s.label])).toEqual([['uniform:l1', 'L1 · uniform'], ['global:l1', 'L1 · global ranking'], ['uniform:l2', 'L2 · uniform'], ['global:l2', 'L2 · global ranking']]);
    expect(sweepOrder(series.slice(0, 2), [0.5, 0.9]).map((o) => [o.series.id, o.target])).toEqual([['uniform:l1', 0.9], ['uniform:l1', 0.5], ['global:l1', 0.9], ['global:l1', 0.5]]);
  });

  it('sweeps the ticked criteria, else the current one, and starts with no point', () => {
    const criteria = [{ id: 'l1', name: 'Weight L1' }, { id: 'bn', name: 'BN γ' }];
    expect(sweepCriteriaOf([], 'bn', criteria)).toEqual([{ id: 'bn', name: 'BN γ' }]);
    expect(sweepCriteriaOf(['l1', 'gone'], 'bn', criteria)).toEqual([{ id: 'l1', name: 'Weight L1' }, { id: 'gone', name: 'gone' }]);
    const series = sweepSeries(criteria, ['uniform', 'global']);
    expect(emptySweep(series, [90, 50, 30], 'bn')).toEqual({ series, targets: [90, 50, 30], points: [], total: 12, recovery: 'bn', images: 0, state: 'running' });
  });

  it('plots accuracy when every point has it, agreement otherwise', () => {
    const point = (accuracy?: number) => ({ accuracy, agreement: 0.9 }) as SweepPoint;
    expect(sweepMetric([point(0.8), point(0.7)])).toBe('accuracy');
    expect(sweepMetric([point(0.8), point(undefined)])).toBe('agreement');
  });
});
