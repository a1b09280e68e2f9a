import { describe, expect, it } from 'vitest';
import { centerTransform, fitTransform, initialTransform, visibleRect } from './zoom-math';

describe('zoom math', () => {
  it('fits a tall graph to the view height, centred, and never enlarges a small one', () => {
    const t = fitTransform({ width: 400, height: 4000 }, { width: 1000, height: 800 }, 0);
    expect(t.k).toBeCloseTo(0.2);
    expect(t.applyX(200)).toBeCloseTo(500);
    expect(t.applyY(0)).toBeCloseTo(0);
    expect(fitTransform({ width: 100, height: 100 }, { width: 1000, height: 800 }).k).toBe(1);
  });

  it('centres a point and reports the visible rectangle', () => {
    const t = centerTransform(300, 900, 2, { width: 800, height: 600 });
    expect(t.apply([300, 900])).toEqual([400, 300]);
    const r = visibleRect(t, { width: 800, height: 600 });
    expect(r.x + r.width / 2).toBeCloseTo(300);
    expect(r.height).toBe(300);
  });
});

describe('initial view', () => {
  it('shows the top of a tall, narrow graph at a readable scale', () => {
    const t = initialTransform({ width: 300, height: 5000 }, { width: 1000, height: 700 });
    expect(t.k).toBe(1);
    expect(t.applyY(0)).toBe(24);
  });
  it('fits a graph that is readable when whole', () => {
    const t = initialTransform({ width: 800, height: 600 }, { width: 1000, height: 800 });
    expect(t.k).toBe(1);
  });
});
