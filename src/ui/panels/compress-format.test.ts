import { describe, expect, it } from 'vitest';
import type { LayerSpectrumInfo, SpectraResult } from '../../workers/protocol';
import { binValues, compressSuffix, cumulativeEnergy, describeCompress, rankReadout, rankTotals, shortLayerName } from './compress-format';

// A 16×144 conv (3×3 over 16 channels): break-even rank ⌊(16·144 − 1)/160⌋ = 14.
const conv: LayerSpectrumInfo = { id: 'conv', op: 'Conv', out: 16, in: 144, kernel: [3, 3], macs: 1806336, macsPerRank: 1806336 * 160 / (16 * 144), breakEven: 14, sigma: Array.from({ length: 16 }, (_, i) => 16 - i) };

describe('rank read-out', () => {
  it('gives energy kept, MACs and weights before → after for a rank below break-even', () => {
    const r = rankReadout(conv, 8);
    const total = conv.sigma.reduce((a, s) => a + s * s, 0);
    expect(r.energy).toBeCloseTo(conv.sigma.slice(0, 8).reduce((a, s) => a + s * s, 0) / total, 12);
    expect(r.macs).toEqual({ before: 1806336, after: 8 * conv.macsPerRank });
    expect(r.params).toEqual({ before: 2304, after: 8 * 160 });
    expect(r.macs.after).toBeLessThan(r.macs.before);
  });
  it('reads the dense layer when no rank is chosen', () => {
    expect(rankReadout(conv, undefined)).toMatchObject({ rank: 16, fullRank: 16, energy: 1, macs: { after: 1806336 }, params: { after: 2304 } });
  });
  it('sums the model MACs after the chosen ranks', () => {
    const spectra: SpectraResult = { layers: [conv, { ...conv, id: 'b' }], skipped: [], modelMacs: 5e6 };
    const t = rankTotals(spectra, { conv: 7 });
    expect(t.macsAfter).toBeCloseTo(5e6 - (conv.macs - 7 * conv.macsPerRank), 6);
    expect(t).toMatchObject({ layers: 1, paramsSaved: 2304 - 7 * 160 });
  });
});

describe('helpers', () => {
  it('cumulative energy ends at 1 and rises', () => {
    const c = cumulativeEnergy([3, 2, 1]);
    expect(c.map((v) => +v.toFixed(4))).toEqual([+(9 / 14).toFixed(4), +(13 / 14).toFixed(4), 1]);
  });
  it('bins values into at most n cells by mean', () => {
    expect(binValues([0, 1, 0, 1], 8)).toEqual([0, 1, 0, 1]);
    expect(binValues([0, 1, 0.5, 0.5, 1, 1], 3)).toEqual([0.5, 0.5, 1]);
  });
  it('names the download after what it carries', () => {
    expect(compressSuffix(undefined)).toBe('');
    expect(compressSuffix({ ranks: { a: 1 }, sparsity: { pattern: '2:4', sparsity: 0.5, scope: 'global' } })).toBe('.lowrank.sparse-2of4');
    expect(compressSuffix({ sparsity: { pattern: 'unstructured', sparsity: 0.7, scope: 'layer' } })).toBe('.sparse-70');
  });
  it('shortens layer ids for the narrow panel', () => {
    expect(shortLayerName('/stages/stages.1/conv2/conv2.0/Conv')).toBe('stages.1/conv2/conv2.0');
    expect(shortLayerName('/fc/Gemm')).toBe('fc');
    expect(shortLayerName('Conv_3')).toBe('Conv_3');
  });
  it('describes what validate and export apply', () => {
    expect(describeCompress({}, { enabled: false, pattern: '2:4', sparsity: 0.5, scope: 'global' })).toBe('');
    expect(describeCompress({ a: 1, b: 2 }, { enabled: true, pattern: '2:4', sparsity: 0.5, scope: 'global' })).toBe('low rank on 2 layers; 2:4 sparsity');
    expect(describeCompress({}, { enabled: true, pattern: 'unstructured', sparsity: 0.7, scope: 'layer' })).toBe('70 % unstructured sparsity (layer)');
  });

  it('names Taylor, whitening and the refits as Validate’s row does, and which of them the plan does not record', () => {
    const off = { dataAware: false, refitFactors: false, criterion: 'magnitude', refitSparse: false };
    const sparse = { enabled: true, pattern: '2:4', sparsity: 0.5, scope: 'global' } as const;
    expect(describeCompress({ a: 1 }, sparse, off)).toBe('low rank on 1 layer; 2:4 sparsity');
    expect(describeCompress({}, sparse, { ...off, criterion: 'taylor' })).toBe('2:4 sparsity by Taylor; on the calibration images');
    expect(describeCompress({ a: 1, b: 2 }, { ...sparse, pattern: 'unstructured', sparsity: 0.7 }, { dataAware: true, refitFactors: true, criterion: 'taylor', refitSparse: true }))
      .toBe('low rank on 2 layers, data-aware, second factors refit; 70 % unstructured sparsity (global) by Taylor, layers refit; on the calibration images (whitening, low-rank refit, sparsity refit: not in the plan)');
  });
});
