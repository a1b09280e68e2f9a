import { describe, expect, it } from 'vitest';
import { cellAt, cutPolyline, displayOrder, gridLayout, normalise, perUnit, prunedCount, prunedMask, prunedUnitsMask } from './heatmap-math';

describe('heatmap math', () => {
  it('orders channels ascending by score, ties by index', () => {
    expect(displayOrder([3, 1, 2, 1], 'sorted')).toEqual([1, 3, 2, 0]);
    expect(displayOrder([3, 1, 2], 'index')).toEqual([0, 1, 2]);
  });

  it('counts pruned channels with rounding and never empties a layer', () => {
    expect(prunedCount(64, 0.5)).toBe(32);
    expect(prunedCount(64, 0.3, 8)).toBe(16); // keep 44.8 → 48
    expect(prunedCount(10, 1)).toBe(9);
    expect(prunedCount(16, 0.99, 8)).toBe(8);
    expect(prunedCount(1, 0.9)).toBe(0);
    expect(prunedCount(7, 0)).toBe(0);
  });

  it('marks the lowest scores as pruned', () => {
    expect(prunedMask([0.9, 0.1, 0.5, 0.2], 0.5)).toEqual([false, true, false, true]);
  });

  it('normalises a row to 0..1 and survives constant and non-finite rows', () => {
    expect(Array.from(normalise([2, 4, 3]))).toEqual([0, 1, 0.5]);
    expect(Array.from(normalise([5, 5]))).toEqual([0.5, 0.5]);
    expect(Array.from(normalise([NaN, 1, 3]))).toEqual([0, 0, 1]);
  });

  it('wraps big layers into rows of cells at least minCell wide', () => {
    expect(gridLayout(2048, 600, 6)).toEqual({ columns: 100, rows: 21, cellWidth: 6 });
    expect(gridLayout(16, 600, 6)).toEqual({ columns: 16, rows: 1, cellWidth: 37.5 });
  });

  it('draws the cut as a step between pruned and kept cells', () => {
    expect(cutPolyline(0, 10, 3)).toEqual([]);
    expect(cutPolyline(10, 10, 3)).toEqual([[0, 1], [10, 1]]);
    expect(cutPolyline(13, 10, 3)).toEqual([[0, 2], [3, 2], [3, 1], [10, 1]]);
    expect(cutPolyline(4, 10, 1)).toEqual([[4, 0], [4, 1]]);
  });

  it('maps points to channel cells', () => {
    const grid = gridLayout(25, 100, 10);
    expect(cellAt(15, 5, grid, 10, 25)).toBe(1);
    expect(cellAt(55, 25, grid, 10, 25)).toBe(undefined); // row 2 col 5 = 25, past the end
    expect(cellAt(5, 25, grid, 10, 25)).toBe(20);
  });
});

describe('attention heads (units of channels)', () => {
  it('one cell per head, summed; a head is pruned when all its channels are', () => {
    const { values, pruned } = perUnit([1, 2, 3, 4, 5, 6], [true, true, false, false, true, false], 2);
    expect([...values]).toEqual([3, 7, 11]);
    expect(pruned).toEqual([true, false, false]);
  });

  it('the fallback mask removes whole heads, the weakest first', () => {
    expect(prunedUnitsMask([5, 5, 1, 1, 9, 9, 2, 2], 0.5, 2)).toEqual([false, false, true, true, false, false, true, true]);
  });
});
