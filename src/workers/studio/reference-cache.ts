// The unpruned model's outputs on the validation images, kept between validations. A sweep
// validates seven or more plans on the same images, and running the unpruned model again for every
// point was about half of each point's time; Validate reuses them too. Keyed by the loaded model
// (a new model starts empty), the images' content, the preprocessing and the backend asked for.
import type { ReferenceCache } from '../../runtime/evaluate';
import type { ImageInput, PreprocessSpec, ValidationBackend } from '../protocol';
import { sha256Hex } from './digest';
import type { LoadedModel } from './loaded-model';

// One entry per model: a new image set, preprocessing or backend replaces it (the outputs of
// 300 classifier images are a few kB; evaluate bounds what it keeps for dense outputs).
const entries = new WeakMap<LoadedModel, { key: string; cache: ReferenceCache }>();

/** What identifies a validation's reference runs: each image's name, label and content digest, the preprocessing and backend. */
async function runsKey(images: readonly ImageInput[], preprocess: Omit<PreprocessSpec, 'preset'>, backend: ValidationBackend): Promise<string> {
  const digests = await Promise.all(images.map((img) => sha256Hex(new Uint8Array(img.bytes))));
  return JSON.stringify([backend, preprocess, images.map((img, i) => [img.name, img.label ?? null, digests[i]])]);
}

/** The cache evaluate() reads and fills for this model, images, preprocessing and backend. */
export async function referenceCacheFor(loaded: LoadedModel, images: readonly ImageInput[], preprocess: Omit<PreprocessSpec, 'preset'>, backend: ValidationBackend): Promise<ReferenceCache> {
  const key = await runsKey(images, preprocess, backend);
  const entry = entries.get(loaded);
  if (entry?.key === key) return entry.cache;
  const cache: ReferenceCache = {};
  entries.set(loaded, { key, cache });
  return cache;
}
