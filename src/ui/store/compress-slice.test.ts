import { describe, expect, it } from 'vitest';
import type { ModelSummary } from '../../workers/protocol';
import { createStudioStore } from './store';

const summary = (fileName: string): ModelSummary => ({ fileName, modelHash: fileName }) as unknown as ModelSummary;

describe('compress slice', () => {
  it('sets and clears ranks per layer, and a new model drops spectra, ranks and the map but keeps the settings', () => {
    const store = createStudioStore();
    const s = () => store.getState();
    s().loadSucceeded(summary('a.onnx'));
    s().setSpectra({ spectra: { layers: [{ id: 'c', op: 'Conv', out: 4, in: 9, kernel: [3, 3], macs: 36, macsPerRank: 13, breakEven: 2, sigma: [2, 1, 0.5, 0.1] }], skipped: [], modelMacs: 100 } });
    expect(s().rankLayerId).toBe('c');
    s().setRank('c', 2);
    s().setRank('d', 1);
    s().setRank('d', undefined);
    expect(s().ranks).toEqual({ c: 2 });
    s().setRankTarget({ kind: 'keep-macs', value: 0.6 });
    s().setSparsity({ enabled: true, pattern: '4:8' });
    s().setSparsityMap({ map: { layers: [], dense: [], sparsity: 0.5 } });

    s().loadSucceeded(summary('b.onnx'));
    expect(s()).toMatchObject({ spectra: undefined, rankLayerId: undefined, ranks: {}, sparsityMap: undefined, rankTarget: { kind: 'keep-macs', value: 0.6 } });
    expect(s().sparsity).toMatchObject({ enabled: true, pattern: '4:8' });
  });
});
