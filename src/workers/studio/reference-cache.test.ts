// The reference runs' cache key: the same images (by content), preprocessing and backend on the same
// model reuse one cache; any change, or a newly loaded model, starts an empty one.
import { describe, expect, it } from 'vitest';
import type { ImageInput, PreprocessSpec } from '../protocol';
import type { LoadedModel } from './loaded-model';
import { referenceCacheFor } from './reference-cache';

const spec: Omit<PreprocessSpec, 'preset'> = { width: 28, height: 28, channels: 1, layout: 'NCHW', colorOrder: 'RGB', scale: 1 / 255, mean: [0], std: [1], resize: 'stretch' };
const image = (name: string, bytes: number[], label?: number): ImageInput => ({ name, bytes: new Uint8Array(bytes).buffer, ...(label !== undefined ? { label } : {}) });

describe('referenceCacheFor', () => {
  it('keeps one cache per model for the same images, preprocessing and backend', async () => {
    const model = {} as LoadedModel;
    const images = [image('a.png', [1, 2, 3], 4), image('b.png', [5, 6], 1)];
    const cache = await referenceCacheFor(model, images, spec, 'wasm');
    cache.runs = { backend: 'wasm', batchSize: 1, outputNames: ['logits'], batches: [] };
    // Copies of the same bytes (each call transfers its own) are the same images.
    expect(await referenceCacheFor(model, images.map((i) => ({ ...i, bytes: i.bytes.slice(0) })), spec, 'wasm')).toBe(cache);
    expect((await referenceCacheFor(model, [image('a.png', [1, 2, 9], 4), images[1]!], spec, 'wasm')).runs).toBeUndefined();
    expect((await referenceCacheFor(model, images, spec, 'wasm')).runs).toBeUndefined(); // replaced: one entry per model
  });

  it('starts empty for another label, preprocessing, backend or model', async () => {
    const model = {} as LoadedModel;
    const images = [image('a.png', [1, 2, 3], 4)];
    const cache = await referenceCacheFor(model, images, spec, 'wasm');
    expect(await referenceCacheFor(model, [image('a.png', [1, 2, 3], 5)], spec, 'wasm')).not.toBe(cache);
    const again = await referenceCacheFor(model, images, spec, 'wasm');
    expect(await referenceCacheFor(model, images, { ...spec, mean: [0.5] }, 'wasm')).not.toBe(again);
    const third = await referenceCacheFor(model, images, spec, 'wasm');
    expect(await referenceCacheFor(model, images, spec, 'webgpu')).not.toBe(third);
    const fourth = await referenceCacheFor(model, images, spec, 'wasm');
    expect(await referenceCacheFor({} as LoadedModel, images, spec, 'wasm')).not.toBe(fourth);
  });
});
