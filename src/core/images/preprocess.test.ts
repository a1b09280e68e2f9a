// Preprocessing against torch.nn.functional.interpolate(mode='bilinear', align_corners=False)
// values (computed once with torch 1.13 and pasted here), plus layout, colour and preset rules.
import { describe, expect, it } from 'vitest';
import { batchDims, preprocessImage, stackBatch, type PixelImage, type PreprocessSpec } from './preprocess.js';
import { inferInputLayout, inferPreprocess, presetPreprocess } from './presets.js';
import { labelForFolder, parseLabels } from './dataset.js';

const raw: PreprocessSpec = { width: 5, height: 4, resize: 'stretch', channels: 1, layout: 'NCHW', colorOrder: 'RGB', scale: 1, mean: [0], std: [1] };

const gray = (width: number, height: number, values: number[]): PixelImage => ({ width, height, channels: 1, data: Uint8Array.from(values) });

describe('preprocessImage', () => {
  it('upsamples like torch bilinear (half-pixel centres)', () => {
    const out = preprocessImage(gray(3, 2, [10, 200, 30, 90, 0, 255]), raw);
    const torch = [10, 86, 200, 98, 30, 30, 78, 150, 111.75, 86.25, 70, 62, 50, 139.25, 198.75, 90, 54, 0, 153, 255];
    out.forEach((v, i) => expect(v).toBeCloseTo(torch[i]!, 3));
  });

  it('downsamples like torch bilinear without antialias', () => {
    const img = gray(6, 4, Array.from({ length: 24 }, (_, i) => i * 10));
    const out = preprocessImage(img, { ...raw, width: 3, height: 2 });
    expect(Array.from(out)).toEqual([35, 55, 75, 155, 175, 195]);
  });

  it('keeps pixels exactly at the same size and applies scale, mean and std', () => {
    const img = gray(2, 2, [0, 51, 102, 255]);
    const out = preprocessImage(img, { ...raw, width: 2, height: 2, scale: 1 / 255, mean: [0.5], std: [0.5] });
    expect(Array.from(out).map((v) => +v.toFixed(5))).toEqual([-1, -0.6, -0.2, 1]);
  });

  it('centre-crops after resizing the shorter side', () => {
    // 8×4 image whose columns count 0..7: shorter side 4 → 4 (no resize), crop 4×4 keeps columns 2..5.
    const img = gray(8, 4, Array.from({ length: 32 }, (_, i) => i % 8));
    const out = preprocessImage(img, { ...raw, width: 4, height: 4, resize: 4 });
    expect(Array.from(out.subarray(0, 4))).toEqual([2, 3, 4, 5]);
  });

  it('orders colours RGB/BGR, lays out NCHW/NHWC and converts to gray with luma weights', () => {
    const rgba: PixelImage = { width: 1, height: 1, channels: 4, data: Uint8ClampedArray.from([200, 100, 50, 255]) };
    const colour: PreprocessSpec = { ...raw, width: 1, height: 1, channels: 3 };
    expect(Array.from(preprocessImage(rgba, colour))).toEqual([200, 100, 50]);
    expect(Array.from(preprocessImage(rgba, { ...colour, colorOrder: 'BGR' }))).toEqual([50, 100, 200]);
    const luma = preprocessImage(rgba, { ...colour, channels: 1 })[0]!;
    expect(luma).toBeCloseTo(0.299 * 200 + 0.587 * 100 + 0.114 * 50, 3);
    // NHWC interleaves channels; NCHW puts each channel's plane together.
    const two: PixelImage = { width: 2, height: 1, channels: 3, data: Uint8Array.from([1, 2, 3, 4, 5, 6]) };
    const spec2 = { ...colour, width: 2 };
    expect(Array.from(preprocessImage(two, spec2))).toEqual([1, 4, 2, 5, 3, 6]);
    expect(Array.from(preprocessImage(two, { ...spec2, layout: 'NHWC' }))).toEqual([1, 2, 3, 4, 5, 6]);
    // A gray image feeds all three channels of a colour model.
    expect(Array.from(preprocessImage(gray(1, 1, [7]), colour))).toEqual([7, 7, 7]);
  });

  it('rejects mismatched mean/std and short pixel data', () => {
    const rgb: PixelImage = { width: 1, height: 1, channels: 3, data: Uint8Array.from([1, 2, 3]) };
    expect(() => preprocessImage(rgb, { ...raw, width: 1, height: 1, channels: 3, mean: [0, 0] })).toThrow(/mean has 2 values.*3 channel/);
    expect(() => preprocessImage({ ...rgb, data: Uint8Array.from([1]) }, raw)).toThrow(/1 bytes/);
  });

  it('stacks samples into a batch', () => {
    const spec = { ...raw, width: 1, height: 1 };
    const batch = stackBatch([Float32Array.of(1), Float32Array.of(2)], spec);
    expect(batch.dims).toEqual([2, 1, 1, 1]);
    expect(Array.from(batch.data)).toEqual([1, 2]);
    expect(batchDims({ ...spec, layout: 'NHWC', channels: 3, width: 4, height: 2 }, 5)).toEqual([5, 2, 4, 3]);
  });
});

describe('presets and defaults', () => {
  it('reads layout, channels and size from the input shape', () => {
    expect(inferInputLayout(['batch', 1, 28, 28])).toEqual({ layout: 'NCHW', channels: 1, height: 28, width: 28 });
    expect(inferInputLayout([1, 32, 48, 3])).toEqual({ layout: 'NHWC', channels: 3, height: 32, width: 48 });
    expect(inferInputLayout(['N', 3, 'H', 'W'])).toEqual({ layout: 'NCHW', channels: 3, height: 224, width: 224 });
    expect(() => inferInputLayout([1, 8, 8, 8])).toThrow(/channel axis/);
    expect(() => inferInputLayout([1, 784])).toThrow(/4-D/);
  });

  it('gives grayscale [0,1] for 1-channel models and ImageNet 256→224 with mean/std', () => {
    const unit = inferPreprocess(['batch', 1, 28, 28]);
    expect(unit).toMatchObject({ channels: 1, resize: 'stretch', scale: 1 / 255, mean: [0], std: [1] });
    const imagenet = presetPreprocess('imagenet', [1, 3, 224, 224]);
    expect(imagenet).toMatchObject({ resize: 256, width: 224, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
    expect(() => presetPreprocess('grayscale-unit', [1, 3, 224, 224])).toThrow(/1-channel/);
    expect(() => presetPreprocess('fancy', [1, 3, 224, 224])).toThrow(/unknown preprocessing preset "fancy"; use one of: unit, grayscale-unit, imagenet/);
  });
});

describe('folder labels', () => {
  it('maps numeric folders to output indices and names through the labels file', () => {
    const names = parseLabels('T-shirt/top\nTrouser\r\nPullover\n\n');
    expect(names).toEqual(['T-shirt/top', 'Trouser', 'Pullover']);
    expect(labelForFolder('7', names)).toBe(7);
    expect(labelForFolder('Trouser', names)).toBe(1);
    expect(labelForFolder('pullover', names)).toBe(2);
    expect(labelForFolder('cats', names)).toBeUndefined();
    expect(labelForFolder('Trouser')).toBeUndefined();
  });
});
