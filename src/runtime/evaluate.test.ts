// evaluate() on real torch exports: a model against itself agrees perfectly; against a perturbed copy
// the numbers must match what we compute independently with onnxruntime-node.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import type { PixelImage } from '../core/images/preprocess.js';
import { decodeModel, encodeModel } from '../core/onnx/codec.js';
import { Long } from '../core/onnx/proto.js';
import { evaluate, REFERENCE_TIMED_BATCHES, type EvalImage, type ReferenceCache } from './evaluate.js';

const read = (name: string) => new Uint8Array(readFileSync(new URL(`./test-data/${name}`, import.meta.url)));
const classifier = read('classifier.onnx');
const perturbed = read('classifier-perturbed.onnx');
const segmenter = read('segmenter.onnx');

/** Deterministic textured RGBA images (each different). */
function image(i: number, size: number): PixelImage {
  const data = new Uint8ClampedArray(size * size * 4);
  for (let p = 0; p < size * size; p++) {
    const x = p % size;
    const y = Math.floor(p / size);
    const v = 128 + 127 * Math.sin((x * (i + 1)) / 3 + y * 0.7 * (i % 3) + i);
    data.set([v, (v * 7 + i * 31) % 256, 255 - v, 255], p * 4);
  }
  return { width: size, height: size, channels: 4, data };
}

const images = (n: number, size: number, labels?: number[]): EvalImage[] =>
  Array.from({ length: n }, (_, i) => ({ name: `img${i}`, label: labels?.[i], load: () => image(i, size) }));

/** Top-1 classes of `bytes` on the same images, computed without our runtime layer. */
async function top1s(bytes: Uint8Array, n: number): Promise<number[]> {
  const session = await ort.InferenceSession.create(bytes);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const img = image(i, 28);
    const gray = Float32Array.from({ length: 784 }, (_, p) => (0.299 * img.data[p * 4]! + 0.587 * img.data[p * 4 + 1]! + 0.114 * img.data[p * 4 + 2]!) / 255);
    const logits = (await session.run({ image: new ort.Tensor('float32', gray, [1, 1, 28, 28]) })).logits!.data as Float32Array;
    out.push(logits.indexOf(Math.max(...logits)));
  }
  return out;
}

describe('evaluate', () => {
  it('a model against itself: agreement 1, KL 0, cosine 1, accuracy from labels', async () => {
    const labels = await top1s(classifier, 8);
    const result = await evaluate({ model: classifier, reference: classifier, images: images(8, 28, labels), backend: 'cpu-node' });
    expect(result.preprocess).toMatchObject({ channels: 1, width: 28, height: 28, layout: 'NCHW' });
    expect(result).toMatchObject({ images: 8, agreement: 1, top5Agreement: 1, accuracy: 1, referenceAccuracy: 1, backend: 'cpu-node' });
    expect(result.kl).toBeLessThan(1e-9);
    expect(result.cosine).toBeCloseTo(1, 6);
    expect(result.latencyMs.samples).toBe(8);
    expect(result.latencyMs.median).toBeGreaterThan(0);
    expect(result.speedup).toBeGreaterThan(0);
    expect(result.perImage.map((r) => r.top1)).toEqual(labels);
  });

  it('a perturbed copy: agreement and accuracy match an independent onnxruntime computation', async () => {
    const n = 12;
    const [ref, pert] = await Promise.all([top1s(classifier, n), top1s(perturbed, n)]);
    const expectedAgreement = ref.filter((c, i) => c === pert[i]).length / n;
    expect(expectedAgreement).toBeLessThan(1); // the perturbation really changes some answers
    for (const backend of ['cpu-node', 'wasm'] as const) {
      const progress: number[] = [];
      const result = await evaluate({
        model: perturbed,
        reference: classifier,
        images: images(n, 28, ref),
        backend,
        batchSize: 5,
        onProgress: (p) => progress.push(p.done),
      });
      expect(progress).toEqual([5, 10, 12]);
      expect(result.backend).toBe(backend);
      // The threads it ran with travel to the report (the studio shows "wasm · 1 thread"); onnxruntime-web is single-threaded in Node.
      if (backend === 'wasm') expect(result.threads).toBe(1);
      expect(result.agreement).toBeCloseTo(expectedAgreement, 12);
      expect(result.accuracy).toBeCloseTo(expectedAgreement, 12); // labels are the reference's answers
      expect(result.kl).toBeGreaterThan(0);
      expect(result.cosine).toBeLessThan(1);
      expect(result.perImage.map((r) => r.top1)).toEqual(pert);
    }
  });

  it('reuses the images and reference runs kept in a cache on the same backend and batching, and keeps none past its size', async () => {
    const n = 6;
    const labels = await top1s(classifier, n);
    const cache: ReferenceCache = {};
    await evaluate({ model: classifier, reference: classifier, images: images(n, 28, labels), backend: 'cpu-node', referenceCache: cache });
    const runs = cache.runs;
    expect(runs).toMatchObject({ backend: 'cpu-node', batchSize: 1, outputNames: ['logits'] });
    expect(runs!.batches).toHaveLength(n);
    // No image is decoded again and the reference's outputs come from the kept runs; the caller's
    // checkpoint still comes before every batch. The reference still runs to be timed beside the
    // model: a latency kept from an earlier evaluation is not comparable (WebAssembly tiers up).
    let loads = 0;
    let checkpoints = 0;
    const counted = images(n, 28, labels).map((img) => ({ ...img, load: () => (loads++, img.load()) }));
    const second = await evaluate({
      model: perturbed, reference: classifier, images: counted, backend: 'cpu-node', referenceCache: cache,
      beforeBatch: async () => void checkpoints++,
    });
    expect([loads, checkpoints]).toEqual([0, n]);
    expect(cache.runs).toBe(runs);
    expect(second.perImage.every((r) => r.referenceLatencyMs !== undefined)).toBe(true);
    expect(second.speedup).toBeGreaterThan(0);
    const direct = await evaluate({ model: perturbed, reference: classifier, images: images(n, 28, labels), backend: 'cpu-node' });
    expect(second).toMatchObject({ referenceAccuracy: 1, agreement: direct.agreement, accuracy: direct.accuracy });
    expect(second.kl).toBeCloseTo(direct.kl!, 12);
    expect(second.perImage.map((r) => r.referenceTop1)).toEqual(labels);
    // Other batching: the reference runs again and its runs replace the kept ones.
    await evaluate({ model: perturbed, reference: classifier, images: images(n, 28, labels), backend: 'cpu-node', batchSize: 2, referenceCache: cache });
    expect(cache.runs).toMatchObject({ batchSize: 2 });
    expect(cache.runs!.batches).toHaveLength(3);
    // Many batches: the reference is timed on REFERENCE_TIMED_BATCHES of them, spread over the run.
    const many = 40;
    const manyLabels = await top1s(classifier, many);
    const manyCache: ReferenceCache = {};
    await evaluate({ model: classifier, reference: classifier, images: images(many, 28, manyLabels), backend: 'cpu-node', referenceCache: manyCache });
    const again = await evaluate({ model: perturbed, reference: classifier, images: images(many, 28, manyLabels), backend: 'cpu-node', referenceCache: manyCache });
    const timed = again.perImage.flatMap((r, i) => (r.referenceLatencyMs !== undefined ? [i] : []));
    expect(timed).toHaveLength(REFERENCE_TIMED_BATCHES);
    expect([timed[0], timed.at(-1)! >= many - 3]).toEqual([0, true]);
    expect(again.perImage.map((r) => r.referenceTop1)).toEqual(manyLabels);
    const tiny: ReferenceCache = { maxBytes: 16 };
    await evaluate({ model: classifier, reference: classifier, images: images(n, 28), backend: 'cpu-node', referenceCache: tiny });
    expect(tiny.runs).toBeUndefined();
  });

  it('dense outputs: pixel agreement, with a larger image resized to the model input', async () => {
    const self = await evaluate({ model: segmenter, reference: segmenter, images: images(3, 40), backend: 'cpu-node' });
    expect(self.pixelAgreement).toBe(1);
    expect(self.preprocess).toMatchObject({ channels: 3, width: 16, height: 16 });
    expect(self.agreement).toBeUndefined();
    expect(self.accuracy).toBeUndefined();
  });

  it('runs a model exported with a fixed batch of 1 one image at a time', async () => {
    const model = decodeModel(classifier, 'classifier.onnx');
    const dim = model.graph!.input[0]!.type!.tensorType!.shape!.dim[0]!;
    dim.dimParam = '';
    dim.dimValue = Long.fromNumber(1);
    const fixed = encodeModel(model);
    const result = await evaluate({ model: fixed, reference: classifier, images: images(3, 28), backend: 'cpu-node', batchSize: 2 });
    expect(result.agreement).toBe(1);
    expect(result.latencyMs.samples).toBe(3);
  });

  it('stops on abort and explains unusable inputs', async () => {
    const controller = new AbortController();
    const run = evaluate({ model: classifier, images: images(50, 28), backend: 'cpu-node', signal: controller.signal, onProgress: (p) => p.done === 3 && controller.abort() });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    await expect(evaluate({ model: classifier, images: [], backend: 'cpu-node' })).rejects.toThrow(/no images/);
    await expect(evaluate({ model: classifier, images: images(1, 28), preprocess: 'imagenet-ish', backend: 'cpu-node' })).rejects.toThrow(/unknown preprocessing preset/);
  });
});
