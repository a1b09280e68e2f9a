import { describe, expect, it } from 'vitest';
import { splitHeldOut, trainingImages, viewBatch, viewCount, viewOf, type Augmentation } from './images.js';

const set = trainingImages([{ feeds: { x: { dims: [2, 1, 2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) } }, labels: [0, 1] }]);

describe('training images', () => {
  it('splits batches into labelled single images', () => {
    expect(set.images.map((i) => [...i])).toEqual([[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12]]);
    expect(set.labels).toEqual([0, 1]);
    const unlabelled = trainingImages([{ feeds: { x: { dims: [1, 1, 1, 1], data: Float32Array.of(1) } } }]);
    expect(unlabelled.labels).toBeUndefined();
  });

  it('refuses several inputs and non-image tensors', () => {
    expect(() => trainingImages([{ feeds: { a: { dims: [1, 1, 1, 1], data: new Float32Array(1) }, b: { dims: [1, 1, 1, 1], data: new Float32Array(1) } } }])).toThrow(/one image input; this model takes 2 \(a, b\)/);
    expect(() => trainingImages([{ feeds: { a: { dims: [1, 4], data: new Float32Array(4) } } }])).toThrow(/NCHW/);
  });

  it('holds out a disjoint, reproducible share', () => {
    const a = splitHeldOut(100, 0.1, 3);
    expect(a.heldOut).toHaveLength(10);
    expect(new Set([...a.train, ...a.heldOut]).size).toBe(100);
    expect(splitHeldOut(100, 0.1, 3)).toEqual(a);
    expect(splitHeldOut(1, 0.5, 0)).toEqual({ heldOut: [], train: [0] });
  });

  it('view 0 is the image itself; flips mirror; shifts replicate the border', () => {
    const flip: Augmentation = { flip: true, shift: 0 };
    expect(viewCount(flip)).toBe(2);
    expect([...viewBatch(set, [0], [0], flip).data]).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...viewBatch(set, [0], [1], flip).data]).toEqual([3, 2, 1, 6, 5, 4]);
    const shift: Augmentation = { flip: false, shift: 1 };
    expect(viewCount(shift)).toBe(9);
    const seen = new Set(Array.from({ length: 9 }, (_, id) => JSON.stringify(viewOf(id, shift))));
    expect(seen.size).toBe(9);
    expect(viewOf(0, shift)).toEqual({ flip: false, dx: 0, dy: 0 });
    const id = [...Array(9).keys()].find((i) => viewOf(i, shift).dx === 1 && viewOf(i, shift).dy === 0)!;
    expect([...viewBatch(set, [0], [id], shift).data]).toEqual([2, 3, 3, 5, 6, 6]);
  });
});
