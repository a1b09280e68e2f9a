// Images in the studio worker: decode (createImageBitmap + OffscreenCanvas), preprocess with the
// core presets, batch. Shared by scoring, sensitivity, validation and recovery.
import { presetPreprocess, PRESET_NAMES, inferPreprocess } from '../../core/images/presets';
import { fixedBatchSize, preprocessImage, stackBatch } from '../../core/images/preprocess';
import { decodeImageBlob } from '../../runtime/web-images';
import type { Float32Tensor } from '../../runtime/session';
import type { ImageInput, PreprocessSpec } from '../protocol';
import { checkpoint, JobError } from '../jobs';
import type { LoadedModel } from './loaded-model';

/**
 * What a cache of results on `images` is keyed by: names, sizes and labels (the bytes themselves
 * would cost a hash per image on every request; a changed file keeps its name only rarely).
 */
export function imageSetKey(images: readonly ImageInput[]): [string, number, number | null][] {
  return images.map((i) => [i.name, i.bytes.byteLength, i.label ?? null]);
}

/** The model's image input: name and shape (symbolic dims as strings). */
export function modelInput(loaded: LoadedModel): { name: string; shape: (number | string)[] } {
  const { inputs, fileName } = loaded.summary;
  if (inputs.length > 1) {
    throw new JobError('bad-model', `${fileName} takes ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')}); images feed only one.`, 'Scoring with images, recovery and validation need a model whose only input is the image. Weight criteria (L1, L2, …) prune it without running it.');
  }
  const input = inputs[0];
  if (!input?.shape) {
    throw new JobError('bad-model', `${loaded.summary.fileName} has no input with a known shape.`, 'Image validation needs a model whose first input is an image tensor [N, C, H, W].');
  }
  return { name: input.name, shape: input.shape };
}

/** The preprocessing inferred from the input shape, and every preset that fits the model. */
export function presetsFor(loaded: LoadedModel): { inferred: PreprocessSpec; presets: PreprocessSpec[] } {
  const { shape } = modelInput(loaded);
  let inferred: PreprocessSpec;
  try {
    inferred = { preset: 'unit', ...inferPreprocess(shape) };
  } catch (err) {
    throw new JobError('bad-model', `${loaded.summary.fileName}: ${(err as Error).message}.`, 'Validation works on image classifiers with a 4-D image input.');
  }
  const presets = PRESET_NAMES.flatMap((name) => {
    try {
      return [{ preset: name, ...presetPreprocess(name, shape) }];
    } catch {
      return []; // e.g. grayscale-unit on a colour model
    }
  });
  return { inferred, presets };
}

/**
 * Decodes and preprocesses images into batches of `batchSize` (with labels), yielding between images.
 * A model exported with a fixed batch (a traced [1, 3, 224, 224]) gets batches of exactly that size:
 * pass its `input`, and a last batch short of it is left out.
 */
export async function preprocessBatches(images: ImageInput[], spec: PreprocessSpec, wanted: number, jobId: number,
  onImage?: (done: number) => void, input?: { shape: readonly (number | string)[] }): Promise<{ tensor: Float32Tensor; labels: (number | undefined)[]; names: string[] }[]> {
  const fixed = input ? fixedBatchSize(input.shape) : undefined;
  const batchSize = fixed ?? wanted;
  const batches: { tensor: Float32Tensor; labels: (number | undefined)[]; names: string[] }[] = [];
  for (let start = 0; start < images.length; start += batchSize) {
    const chunk = images.slice(start, start + batchSize);
    if (fixed && chunk.length !== fixed) break;
    const samples = await Promise.all(chunk.map(async (img) => {
      const pixels = await decodeImageBlob(new Blob([img.bytes]), img.name);
      return preprocessImage(pixels, spec);
    }));
    const tensor = stackBatch(samples, spec);
    batches.push({ tensor: { dims: tensor.dims, data: tensor.data }, labels: chunk.map((c) => c.label), names: chunk.map((c) => c.name) });
    onImage?.(Math.min(images.length, start + batchSize));
    await checkpoint(jobId);
  }
  return batches;
}

/** Draws a preprocessed sample back as RGBA (undoing mean/std/scale) so the user sees what the model sees. */
export function sampleToRgba(sample: Float32Array, spec: PreprocessSpec): { rgba: Uint8ClampedArray; min: number; max: number } {
  const { width: W, height: H, channels: C } = spec;
  const rgba = new Uint8ClampedArray(W * H * 4);
  let min = Infinity;
  let max = -Infinity;
  const mean = (c: number) => spec.mean[spec.mean.length === 1 ? 0 : c] ?? 0;
  const std = (c: number) => spec.std[spec.std.length === 1 ? 0 : c] ?? 1;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const px = new Array<number>(3);
      for (let c = 0; c < Math.min(C, 3); c++) {
        const v = sample[spec.layout === 'NCHW' ? (c * H + y) * W + x : (y * W + x) * C + c]!;
        if (v < min) min = v;
        if (v > max) max = v;
        px[c] = ((v * std(c) + mean(c)) / spec.scale);
      }
      const o = (y * W + x) * 4;
      const [r, g, b] = C === 1 ? [px[0]!, px[0]!, px[0]!] : spec.colorOrder === 'BGR' ? [px[2]!, px[1]!, px[0]!] : [px[0]!, px[1]!, px[2]!];
      rgba[o] = r;
      rgba[o + 1] = g;
      rgba[o + 2] = b;
      rgba[o + 3] = 255;
    }
  }
  return { rgba, min, max };
}
