// Fashion-MNIST from Debian's dataset-fashion-mnist (IDX files), for benches that claim accuracy:
// the full 10,000-image test set, and training images as the user's unlabelled images.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PNG } from 'pngjs';
import type { ImageBatch } from '../src/core/score/images.js';

export const FASHION_MNIST_DIR = process.env.FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';

function idx(path: string): { dims: number[]; data: Uint8Array } {
  const raw = path.endsWith('.gz') ? gunzipSync(readFileSync(path)) : readFileSync(path);
  const rank = raw[3]!;
  const dims = Array.from({ length: rank }, (_, i) => raw.readUInt32BE(4 + 4 * i));
  return { dims, data: new Uint8Array(raw.buffer, raw.byteOffset + 4 + 4 * rank, dims.reduce((a, b) => a * b, 1)) };
}

export function fashionMnistPath(split: 'train' | 't10k', kind: 'images' | 'labels'): string {
  return join(FASHION_MNIST_DIR, `${split}-${kind}-idx${kind === 'images' ? 3 : 1}-ubyte.gz`);
}

export const hasFashionMnist = (): boolean => existsSync(fashionMnistPath('t10k', 'images'));

/** Images [from, from + count) of a split as [n, 1, 28, 28] batches of raw [0, 1] pixels (the demo models normalise inside), labelled. */
export function fashionMnistBatches(split: 'train' | 't10k', from: number, count: number, batchSize = 250, input = 'input'): ImageBatch[] {
  const images = idx(fashionMnistPath(split, 'images'));
  const labels = idx(fashionMnistPath(split, 'labels'));
  const size = 28 * 28;
  const out: ImageBatch[] = [];
  for (let at = from; at < from + count; at += batchSize) {
    const n = Math.min(batchSize, from + count - at);
    const data = new Float32Array(n * size);
    for (let i = 0; i < n * size; i++) data[i] = images.data[at * size + i]! / 255;
    out.push({ feeds: { [input]: { dims: [n, 1, 28, 28], data } }, labels: Array.from(labels.data.subarray(at, at + n)) });
  }
  return out;
}

/** The same batches without labels (what a user's unlabelled folder gives). */
export const unlabelled = (batches: readonly ImageBatch[]): ImageBatch[] => batches.map((b) => ({ feeds: b.feeds }));

/** The full 10,000-image test set, or undefined (logged: the bench skips) when the IDX files are missing. */
export function fullTestSet(log: (msg: string) => void): ImageBatch[] | undefined {
  if (hasFashionMnist()) return fashionMnistBatches('t10k', 0, 10000, 500);
  log('Fashion-MNIST IDX files missing (apt-get install dataset-fashion-mnist): skipped');
  return undefined;
}

/**
 * Images [from, from + count) of a split as 8-bit grayscale PNGs in `dir` (written once, reused):
 * a folder for the CLI's --images, what a user who exported their images would give it.
 */
export function fashionMnistPngFolder(dir: string, split: 'train' | 't10k', from: number, count: number): string {
  mkdirSync(dir, { recursive: true });
  if (readdirSync(dir).filter((f) => f.endsWith('.png')).length === count) return dir;
  const images = idx(fashionMnistPath(split, 'images'));
  for (let i = from; i < from + count; i++) {
    const png = new PNG({ width: 28, height: 28, colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 });
    png.data = Buffer.from(images.data.subarray(i * 784, (i + 1) * 784));
    writeFileSync(join(dir, `${String(i).padStart(5, '0')}.png`), PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false }));
  }
  return dir;
}
