// Dense and segmentation metrics on hand-made outputs whose answers are worked out in the comments.
import { describe, expect, it } from 'vitest';
import {
  addClassMaps,
  addDenseBatch,
  addOutputBatch,
  addSegmentationBatch,
  argmaxMap,
  createDense,
  createOutputMetrics,
  createSegmentation,
  summarizeDense,
  summarizeOutputMetrics,
  summarizeSegmentation,
} from './dense-metrics.js';

const t = (dims: number[], values: number[]) => ({ dims, data: Float32Array.from(values) });

describe('dense metrics', () => {
  it('MSE over all values of all batches, PSNR over the reference range', () => {
    const s = createDense();
    // Reference values 0..4 → range 4. Errors: 1, 0, 0, −1 (batch 1), 2 (batch 2): Σe² = 6 over 5 values.
    addDenseBatch(s, t([1, 1, 2, 2], [1, 1, 2, 2]), t([1, 1, 2, 2], [0, 1, 2, 3]));
    addDenseBatch(s, t([1, 1, 1, 1], [6]), t([1, 1, 1, 1], [4]));
    const d = summarizeDense(s)!;
    expect(d.mse).toBeCloseTo(6 / 5, 12);
    expect(d.psnrRange).toBe(4);
    expect(d.psnr).toBeCloseTo(10 * Math.log10(16 / 1.2), 10); // 11.249 dB
    expect(d.psnr).toBeCloseTo(11.2494, 3);
  });

  it('identical outputs: MSE 0, PSNR infinite, cosine 1; a constant reference has no PSNR', () => {
    const s = createDense();
    const x = t([2, 1, 1, 2], [0.25, 0.5, 0.75, 1]);
    addDenseBatch(s, x, x);
    expect(summarizeDense(s)).toEqual({ mse: 0, psnr: Infinity, psnrRange: 0.75, cosine: 1 });
    const flat = createDense();
    addDenseBatch(flat, t([1, 2], [1, 2]), t([1, 2], [3, 3]));
    expect(summarizeDense(flat)!.psnr).toBeUndefined();
    expect(summarizeDense(createDense())).toBeUndefined();
  });

  it('rejects outputs of different shapes', () => {
    expect(() => addDenseBatch(createDense(), t([1, 2], [0, 0]), t([1, 3], [0, 0, 0]))).toThrow(/differ in shape/);
  });
});

describe('segmentation metrics', () => {
  it('pixel accuracy and mIoU from class maps, ignoring classes absent from both', () => {
    const s = createSegmentation();
    // 5 classes; 3 and 4 never appear. Pixels (target → predicted): 0→0, 0→0, 0→1, 1→1, 2→2, 2→1.
    addClassMaps(s, 5, [0, 0, 1, 1, 2, 1], [0, 0, 0, 1, 2, 2]);
    // IoU 0: tp 2 / (3 target + 2 predicted − 2) = 2/3; class 1: 1 / (1 + 3 − 1) = 1/3; class 2: 1 / (2 + 1 − 1) = 1/2.
    const g = summarizeSegmentation(s)!;
    expect(g.pixelAccuracy).toBeCloseTo(4 / 6, 12);
    expect(g.miouClasses).toBe(3);
    expect(g.miou).toBeCloseTo((2 / 3 + 1 / 3 + 1 / 2) / 3, 12);
  });

  it('argmax over the channel axis per pixel; the same scores give accuracy 1 and mIoU 1', () => {
    // [1, 2, 1, 3]: channel 0 = [5, 0, 1], channel 1 = [1, 2, 3] → classes [0, 1, 1].
    const scores = t([1, 2, 1, 3], [5, 0, 1, 1, 2, 3]);
    expect([...argmaxMap(scores)]).toEqual([0, 1, 1]);
    const s = createSegmentation();
    addSegmentationBatch(s, scores, scores);
    expect(summarizeSegmentation(s)).toEqual({ pixelAccuracy: 1, miou: 1, miouClasses: 2, labelledImages: 0, images: 1 });
    expect(summarizeSegmentation(createSegmentation())).toBeUndefined();
  });
});

describe('segmentation against label masks', () => {
  it('an image with a mask is scored against it (255 ignored), one without against the reference', () => {
    // Two images of 3 pixels, 2 classes. Predicted: image 0 → [0, 1, 1], image 1 → [1, 1, 0].
    const out = t([2, 2, 1, 3], [5, 0, 1, 1, 2, 3, /* image 1 */ 0, 0, 9, 1, 1, 0]);
    expect([...argmaxMap(out)]).toEqual([0, 1, 1, 1, 1, 0]);
    // The reference predicts [0, 0, 0] for both images.
    const ref = t([2, 2, 1, 3], [1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0]);
    const s = createSegmentation();
    // Image 0 has a mask [0, 255, 1]: pixel 1 is ignored; pixels (target → predicted) 0→0, 1→1.
    // Image 1 has none: targets from the reference [0, 0, 0]: 0→1, 0→1, 0→0.
    addSegmentationBatch(s, out, ref, [Uint8Array.from([0, 255, 1]), undefined]);
    const g = summarizeSegmentation(s)!;
    expect(g.pixelAccuracy).toBeCloseTo(3 / 5, 12);
    // class 0: tp 2 / (4 target + 2 predicted − 2) = 1/2; class 1: tp 1 / (1 + 3 − 1) = 1/3.
    expect(g.miou).toBeCloseTo((1 / 2 + 1 / 3) / 2, 12);
    expect([g.labelledImages, g.images]).toEqual([1, 2]);
  });

  it('without a reference only images with masks count; a mask of the wrong size is refused', () => {
    const out = t([2, 2, 1, 2], [1, 0, 0, 1, 1, 0, 0, 1]);
    const s = createSegmentation();
    addSegmentationBatch(s, out, undefined, [undefined, Uint8Array.from([0, 1])]);
    expect(summarizeSegmentation(s)).toMatchObject({ pixelAccuracy: 1, labelledImages: 1, images: 1 });
    expect(() => addSegmentationBatch(s, out, undefined, [Uint8Array.from([0, 1, 1])])).toThrow(/label mask of image 0 has 3 pixels, the output has 2/);
  });
});

describe('per-output metrics', () => {
  it('routes each output to the metrics of its kind; dense kinds need a reference', () => {
    const cls = createOutputMetrics('logits', 'class');
    addOutputBatch(cls, t([1, 3], [0, 2, 1]), t([1, 3], [0, 1, 2]), [1]);
    expect(summarizeOutputMetrics(cls)).toMatchObject({ name: 'logits', kind: 'class', class: { images: 1, accuracy: 1, agreement: 0 } });
    const dense = createOutputMetrics('depth', 'dense');
    addOutputBatch(dense, t([1, 1, 1, 2], [1, 2]));
    expect(summarizeOutputMetrics(dense)).toEqual({ name: 'depth', kind: 'dense' });
    addOutputBatch(dense, t([1, 1, 1, 2], [1, 2]), t([1, 1, 1, 2], [1, 4]));
    expect(summarizeOutputMetrics(dense).dense!.mse).toBe(2);
    const seg = createOutputMetrics('mask', 'segmentation');
    addOutputBatch(seg, t([1, 2, 1, 2], [1, 0, 0, 1]), t([1, 2, 1, 2], [1, 1, 0, 0]));
    expect(summarizeOutputMetrics(seg).segmentation).toEqual({ pixelAccuracy: 0.5, miou: 0.25, miouClasses: 2, labelledImages: 0, images: 1 });
  });
});
