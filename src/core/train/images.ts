// The images a training run sees: one model input, one [C, H, W] array per image (optionally
// labelled), a held-out split for checkpoints, and augmented views (horizontal flip, shift as
// pad-and-crop) that are deterministic functions of a view id, so a teacher's outputs can be cached
// per image and view.
import type { ImageBatch } from '../score/images.js';
import type { Float32Tensor } from '../score/runner.js';
import { seededRandom } from '../random.js';

export interface TrainingImages {
  /** The model input the images feed. */
  input: string;
  /** [C, H, W] of every image. */
  dims: [number, number, number];
  images: Float32Array[];
  /** A class per image when every image is labelled (class folders). */
  labels?: number[];
}

export interface Augmentation {
  /** Horizontal flips (half of the views). */
  flip: boolean;
  /** Largest shift in pixels for pad-and-crop (0: none); borders are replicated. */
  shift: number;
}

export const NO_AUGMENTATION: Readonly<Augmentation> = { flip: false, shift: 0 };

/** Splits batches into single images of the (only) image input; refuses models with several inputs. */
export function trainingImages(batches: readonly ImageBatch[]): TrainingImages {
  if (!batches.length) throw new Error('training needs images: none were given');
  const names = Object.keys(batches[0]!.feeds);
  if (names.length !== 1) throw new Error(`training feeds one image input; this model takes ${names.length} (${names.join(', ')})`);
  const input = names[0]!;
  const first = batches[0]!.feeds[input]!;
  if (first.dims.length !== 4) throw new Error(`training needs NCHW images for "${input}"; got dims [${first.dims.join(', ')}]`);
  const dims = first.dims.slice(1) as [number, number, number];
  const size = dims[0] * dims[1] * dims[2];
  const images: Float32Array[] = [];
  const labels: number[] = [];
  let labelled = true;
  for (const b of batches) {
    const t = b.feeds[input]!;
    if (t.dims.slice(1).join() !== dims.join()) throw new Error(`training images must all have dims [${dims.join(', ')}]; a batch has [${t.dims.slice(1).join(', ')}]`);
    for (let i = 0; i < t.dims[0]!; i++) images.push(t.data.slice(i * size, (i + 1) * size));
    if (b.labels && b.labels.length === t.dims[0]) labels.push(...b.labels);
    else labelled = false;
  }
  return { input, dims, images, labels: labelled ? labels : undefined };
}

/** Image indices shuffled with `seed`, split into training and held-out (at least one of each when possible). */
export function splitHeldOut(count: number, heldOutFraction: number, seed: number): { train: number[]; heldOut: number[] } {
  const order = shuffled(Array.from({ length: count }, (_, i) => i), seededRandom(seed));
  const held = count < 2 ? 0 : Math.min(count - 1, Math.max(1, Math.round(count * heldOutFraction)));
  return { heldOut: order.slice(0, held).sort((a, b) => a - b), train: order.slice(held) };
}

export function shuffled<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Number of distinct views an augmentation gives (view ids are 0 … count − 1; 0 is the image itself). */
export function viewCount(aug: Augmentation): number {
  const side = 2 * aug.shift + 1;
  return (aug.flip ? 2 : 1) * side * side;
}

/** The view with id `id`: flip and shift (dx, dy). Id 0 is the unchanged image. */
export function viewOf(id: number, aug: Augmentation): { flip: boolean; dx: number; dy: number } {
  const side = 2 * aug.shift + 1;
  const cells = side * side;
  const centre = (cells - 1) / 2;
  // Rotate ids so that id 0 lands on the centre cell (no shift, no flip).
  const cell = (id + centre) % cells;
  return { flip: aug.flip && Math.floor(id / cells) % 2 === 1, dx: (cell % side) - aug.shift, dy: Math.floor(cell / side) - aug.shift };
}

/** Writes view `id` of `image` ([C, H, W]) into `out` at `offset`. */
export function writeView(image: Float32Array, dims: readonly [number, number, number], id: number, aug: Augmentation, out: Float32Array, offset: number): void {
  const [c, h, w] = dims;
  const { flip, dx, dy } = viewOf(id, aug);
  if (!flip && dx === 0 && dy === 0) {
    out.set(image, offset);
    return;
  }
  const clamp = (v: number, hi: number) => (v < 0 ? 0 : v > hi ? hi : v);
  for (let ch = 0; ch < c; ch++) for (let y = 0; y < h; y++) {
    const sy = clamp(y + dy, h - 1);
    const row = ch * h * w + sy * w;
    const dst = offset + ch * h * w + y * w;
    for (let x = 0; x < w; x++) {
      const sx = clamp((flip ? w - 1 - x : x) + dx, w - 1);
      out[dst + x] = image[row + sx]!;
    }
  }
}

/** An [n, C, H, W] batch of the given images and views. */
export function viewBatch(set: TrainingImages, indices: readonly number[], views: readonly number[], aug: Augmentation): Float32Tensor {
  const [c, h, w] = set.dims;
  const size = c * h * w;
  const data = new Float32Array(indices.length * size);
  indices.forEach((img, k) => writeView(set.images[img]!, set.dims, views[k] ?? 0, aug, data, k * size));
  return { dims: [indices.length, c, h, w], data };
}
