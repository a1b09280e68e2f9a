import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runJob } from '../jobs';
import { loadModel } from './load-model';
import { setInputSize } from './input-size';
import { analysisOf, metricsOf } from './pruning-cache';
import { requireLoadedModel } from './loaded-model';

const read = (path: string): ArrayBuffer => {
  const b = readFileSync(path);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
};

describe('input size of a dynamic-H/W model', () => {
  it('turns lower-bound MACs into the count at the given size, and back; refuses a size that contradicts the model', async () => {
    // tiny-swin: torchvision's SwinTransformer with dynamic batch, height and width.
    const result = await runJob(1, () => loadModel({ jobId: 1, bytes: read('src/core/graph/test-data/tiny-swin.onnx'), fileName: 'tiny-swin.onnx' }));
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.totals.macsLowerBound).toBe(true);
    const before = analysisOf(requireLoadedModel());

    const sized = setInputSize([1, 3, 40, 56]);
    expect(sized.inputSize).toEqual([1, 3, 40, 56]);
    expect(sized.totals.macsLowerBound).toBe(false);
    expect(sized.totals.macs).toBeGreaterThan(result.value.totals.macs ?? 0);
    // Derived caches follow the new shapes.
    expect(analysisOf(requireLoadedModel())).not.toBe(before);
    expect(metricsOf(requireLoadedModel()).macs).toBe(sized.totals.macs);
    // Twice the pixels, about twice the MACs (windows padded to 4: not exactly).
    expect(setInputSize([1, 3, 80, 112]).totals.macs).toBeGreaterThan(1.9 * sized.totals.macs!);

    expect(() => setInputSize([1, 4, 40, 56])).toThrow(/fixed at 3/);
    expect(() => setInputSize([1, 3, 40])).toThrow(/has 4 dimensions; 3 were given/);
    expect(setInputSize(undefined).totals.macsLowerBound).toBe(true);
  });
});
