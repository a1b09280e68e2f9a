// The user's own unlabelled images for training specs: Fashion-MNIST training images the demo
// never saw (Debian's dataset-fashion-mnist), as PNG files for a file input.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { PNG } from 'pngjs';

export const FMNIST = '/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz';

/** `count` Fashion-MNIST training images from `from` on, as PNG files for a file input. */
export function fashionMnistPngs(from: number, count: number): { name: string; mimeType: string; buffer: Buffer }[] {
  const raw = gunzipSync(readFileSync(FMNIST));
  return Array.from({ length: count }, (_, k) => {
    const png = new PNG({ width: 28, height: 28 });
    for (let p = 0; p < 28 * 28; p++) {
      const v = raw[16 + (from + k) * 784 + p]!;
      png.data.set([v, v, v, 255], p * 4);
    }
    return { name: `my-${from + k}.png`, mimeType: 'image/png', buffer: PNG.sync.write(png) };
  });
}
