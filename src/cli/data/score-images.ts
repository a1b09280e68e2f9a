// Loading a folder of images as batches for scoring, sensitivity and recovery, and the Node model
// runner those core functions take.
import { resolve } from 'node:path';
import { declaredInfo } from '../../core/graph/shapes.js';
import { inferPreprocess, presetPreprocess } from '../../core/images/presets.js';
import { imageInput } from '../../core/images/image-input.js';
import { fixedBatchSize, preprocessImage, stackBatch } from '../../core/images/preprocess.js';
import { encodeModel } from '../../core/onnx/codec.js';
import type { ModelProto } from '../../core/onnx/proto.js';
import type { ImageBatch } from '../../core/score/images.js';
import type { ModelRunner } from '../../core/score/runner.js';
import { listImageFolder, readImageFile } from '../../runtime/node-images.js';
import { createSession } from '../../runtime/session.js';
import { readSkippingBad, reportSkipped, type ImageReadPolicy } from './image-options.js';

/** Opens models on onnxruntime-node. */
export const nodeModelRunner: ModelRunner = async (model: ModelProto) => (await createSession(encodeModel(model), { backend: 'cpu-node' })).session;

export interface LoadedImages {
  batches: ImageBatch[];
  images: number;
  labelled: number;
}

/**
 * Reads up to `limit` images of `dir` (class sub-folders give labels), preprocesses them for the
 * model's first input (`preset` or inferred from its shape) and groups them into batches.
 */
export function loadImageBatches(model: ModelProto, dir: string, cwd: string, opts: { limit?: number; batchSize?: number; preset?: string; images?: ImageReadPolicy } = {}): LoadedImages {
  const input = imageInput(model.graph!);
  const shape = declaredInfo(input)?.shape;
  if (!shape) throw new Error('the model declares no input shape; cannot preprocess images for it');
  const spec = opts.preset ? presetPreprocess(opts.preset, shape) : inferPreprocess(shape);
  const folder = listImageFolder(resolve(cwd, dir), opts.limit);
  if (!folder.entries.length) throw new Error(`${dir}: no PNG/JPEG images found`);
  // A model exported with a fixed batch (a traced [1, 3, 224, 224]) runs that many images at a time;
  // with a fixed batch above 1, a last batch short of it is left out.
  const fixed = fixedBatchSize(shape);
  const size = fixed ?? opts.batchSize ?? 64;
  const batches: ImageBatch[] = [];
  const skipped: { name: string; reason: string }[] = [];
  let images = 0;
  let labelledImages = 0;
  for (let i = 0; i < folder.entries.length; i += size) {
    const read = readSkippingBad(folder.entries.slice(i, i + size), (e) => e.path, (e) => preprocessImage(readImageFile(e.path, opts.images), spec), opts.images);
    skipped.push(...read.skipped);
    if (!read.results.length || (fixed && read.results.length !== fixed)) continue;
    const chunk = read.results.map((r) => r.item);
    const tensor = stackBatch(read.results.map((r) => r.value), spec);
    const labelled = chunk.every((e) => e.label !== undefined);
    batches.push({ feeds: { [input.name]: tensor }, ...(labelled ? { labels: chunk.map((e) => e.label!) } : {}) });
    images += chunk.length;
    labelledImages += chunk.filter((e) => e.label !== undefined).length;
  }
  reportSkipped(skipped, folder.entries.length, opts.images);
  if (!images) throw new Error(`${dir}: none of its ${folder.entries.length} images could be read (first: ${skipped[0]?.reason})`);
  return { batches, images, labelled: labelledImages };
}
