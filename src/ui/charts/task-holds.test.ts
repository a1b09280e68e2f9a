import { describe, expect, it } from 'vitest';
import { holdCounts, holdingOutput } from './task-holds';

describe('holdingOutput', () => {
  it('gives each kept channel to the output with the largest score, pruned channels to none', () => {
    const per = [
      { output: 'logits', values: [3, 0.1, 1, 0.5] },
      { output: 'recon', values: [1, 2, 1, 0.2] },
    ];
    const holders = holdingOutput(per, [false, false, false, true]);
    expect(holders).toEqual([0, 1, 0, -1]);
    expect(holdCounts(holders, 2)).toEqual([2, 1]);
  });

  it('skips outputs without a finite score', () => {
    expect(holdingOutput([{ output: 'a', values: [NaN] }, { output: 'b', values: [0] }], [false])).toEqual([1]);
    expect(holdingOutput([], [false])).toEqual([-1]);
  });
});
