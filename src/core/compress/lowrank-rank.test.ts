import { describe, expect, it } from 'vitest';
import { rankCost, selectRanks, type RankLayer } from './lowrank-rank';

const layer = (id: string, n: number, breakEven: number): RankLayer => ({ id, sigma: Float64Array.from({ length: n }, (_, i) => n - i), macs: 1000, macsPerRank: 100, breakEven });

describe('selectRanks with ranks chosen per layer', () => {
  it('keeps listed ranks (clamped to 1..full rank), leaves unlisted layers and ranks at or above break-even dense', () => {
    const layers = [layer('a', 8, 5), layer('b', 8, 5), layer('c', 4, 3), layer('d', 8, 5)];
    expect(selectRanks(layers, { kind: 'ranks', ranks: { a: 3, b: 6, c: 0 } }, 4000)).toEqual([3, 0, 1, 0]);
  });
});

describe('rankCost', () => {
  it('counts r·(out + in) weights and r·macsPerRank MACs below break-even, the dense layer otherwise', () => {
    const l = { out: 16, in: 144, macs: 1806336, macsPerRank: 125440, breakEven: 14 };
    expect(rankCost(l, 11)).toEqual({ macs: 11 * 125440, params: 11 * 160 });
    expect(rankCost(l, 15)).toEqual({ macs: 1806336, params: 16 * 144 });
    expect(rankCost(l, 0)).toEqual({ macs: 1806336, params: 16 * 144 });
  });
});
