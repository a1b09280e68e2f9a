// Agreement metrics on hand-made outputs whose answers are known in closed form.
import { describe, expect, it } from 'vitest';
import { addAgreementBatch, createAgreement, summarizeAgreement, summarizeLatency } from './agreement.js';

const t = (dims: number[], values: number[]) => ({ dims, data: Float32Array.from(values) });

describe('classifier agreement', () => {
  it('counts top-1/top-5 agreement and accuracy, over batches', () => {
    const state = createAgreement();
    // 6 classes. Image 0: both pick 0. Image 1: reference picks 5, model ranks 5 sixth (outside top-5).
    const ref1 = t([2, 6], [9, 1, 1, 1, 1, 1, /**/ 0, 1, 2, 3, 4, 5]);
    const out1 = t([2, 6], [9, 0, 0, 0, 0, 0, /**/ 5, 4, 3, 2, 1, 0]);
    const rows = addAgreementBatch(state, out1, ref1, [0, 5]);
    expect(rows.map((r) => [r.top1, r.referenceTop1])).toEqual([[0, 0], [0, 5]]);
    // Image 2 (second batch): reference picks 3, model picks 4 but has 3 second: top-5 agrees.
    addAgreementBatch(state, t([1, 6], [0, 0, 0, 5, 6, 0]), t([1, 6], [0, 0, 0, 7, 1, 0]), [undefined]);
    const s = summarizeAgreement(state);
    expect(s.images).toBe(3);
    expect(s.agreement).toBeCloseTo(1 / 3, 12);
    expect(s.top5Agreement).toBeCloseTo(2 / 3, 12);
    expect(s.accuracy).toBe(0.5); // labelled images 0 (right) and 1 (model says 0, label 5)
    expect(s.referenceAccuracy).toBe(1);
  });

  it('computes KL(original‖pruned) of the softmax and cosine of raw outputs', () => {
    const state = createAgreement();
    const rows = addAgreementBatch(state, t([1, 2], [0, 0]), t([1, 2], [0, Math.log(2)]));
    const expected = (1 / 3) * Math.log(2 / 3) + (2 / 3) * Math.log(4 / 3);
    expect(rows[0]!.kl).toBeCloseTo(expected, 6);
    // Cosine of [0, 0] against anything non-zero is 0; identical outputs give KL 0 and cosine 1.
    addAgreementBatch(state, t([1, 2], [3, 4]), t([1, 2], [3, 4]));
    const s = summarizeAgreement(state);
    expect(s.kl).toBeCloseTo(expected / 2, 6);
    expect(s.cosine).toBeCloseTo(0.5, 6);
    expect(s.top5Agreement).toBeUndefined(); // only 2 classes
  });

  it('reports only accuracy without a reference', () => {
    const state = createAgreement();
    addAgreementBatch(state, t([2, 3], [1, 0, 0, 0, 0, 1]), undefined, [0, 1]);
    expect(summarizeAgreement(state)).toEqual({ images: 2, accuracy: 0.5 });
  });

  it('rejects outputs of different shapes', () => {
    expect(() => addAgreementBatch(createAgreement(), t([1, 3], [0, 0, 0]), t([1, 4], [0, 0, 0, 0]))).toThrow(/differ in shape/);
  });
});

describe('dense agreement', () => {
  it('compares the per-pixel argmax over the channel axis', () => {
    const state = createAgreement();
    // [1, 2 classes, 2×2]: class planes. Reference picks class 1 at pixels 0,1; model at pixel 0 only.
    const ref = t([1, 2, 2, 2], [0, 0, 5, 5, /**/ 1, 1, 0, 0]);
    const out = t([1, 2, 2, 2], [0, 2, 5, 5, /**/ 1, 1, 0, 0]);
    const rows = addAgreementBatch(state, out, ref);
    expect(rows[0]!.pixelAgreement).toBe(0.75);
    const s = summarizeAgreement(state);
    expect(s.pixelAgreement).toBe(0.75);
    expect(s.agreement).toBeUndefined();
    expect(s.cosine).toBeGreaterThan(0.8);
  });
});

describe('summarizeLatency', () => {
  it('gives median, mean, p90, min and max', () => {
    expect(summarizeLatency([5, 1, 3, 2, 4, 6, 7, 8, 9, 10])).toEqual({ median: 5.5, mean: 5.5, p90: 9, min: 1, max: 10, samples: 10 });
    expect(summarizeLatency([2]).median).toBe(2);
    expect(() => summarizeLatency([])).toThrow(/no latency/);
  });
});
