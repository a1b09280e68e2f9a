// Segmentation label masks: one class index per pixel (8-bit grayscale PNG beside the image, value =
// class, 255 = ignore, as Pascal VOC). A mask is taken through the image's own preprocessing
// geometry (stretch, or resize + centre crop) to the output's H×W by nearest neighbour, so class
// indices are never blended and every output pixel is compared with the label of the image point
// it sees.
import { cropGeometry, type PixelImage, type PreprocessSpec } from './preprocess.js';

/** Pixels not counted in any metric. */
export const IGNORE_LABEL = 255;

export interface LabelMask {
  width: number;
  height: number;
  /** Class index per pixel, row-major. */
  data: Uint8Array;
}

/** The mask of a decoded grayscale image (RGBA, RGB or gray): refused, with `source` named, when its pixels are coloured. */
export function maskFromPixels(image: PixelImage, source: string): LabelMask {
  const { width, height, channels } = image;
  const data = new Uint8Array(width * height);
  for (let p = 0; p < data.length; p++) {
    const r = image.data[p * channels]!;
    if (channels >= 3 && (image.data[p * channels + 1] !== r || image.data[p * channels + 2] !== r)) {
      throw new Error(`${source}: the mask has coloured pixels (at x=${p % width}, y=${Math.floor(p / width)}); a label mask is an 8-bit grayscale PNG whose value is the class index (255 = ignore); save a palette mask's index array as mode "L" (PIL: Image.fromarray(numpy.array(Image.open(f))).save(f))`);
    }
    data[p] = r;
  }
  return { width, height, data };
}

/**
 * The classes an output of `width`×`height` pixels should predict for an image of `imageWidth`×
 * `imageHeight` preprocessed with `spec`: each output pixel takes the label at its centre's point
 * in the original image.
 */
export function maskTargets(mask: LabelMask, spec: PreprocessSpec, width: number, height: number): Uint8Array {
  const { rw, rh, ox, oy } = cropGeometry({ width: mask.width, height: mask.height }, spec);
  const out = new Uint8Array(width * height);
  const column = Int32Array.from({ length: width }, (_, x) => Math.min(mask.width - 1, Math.floor((((x + 0.5) * spec.width) / width + ox) * (mask.width / rw))));
  for (let y = 0; y < height; y++) {
    const row = Math.min(mask.height - 1, Math.floor((((y + 0.5) * spec.height) / height + oy) * (mask.height / rh)));
    for (let x = 0; x < width; x++) out[y * width + x] = mask.data[row * mask.width + column[x]!]!;
  }
  return out;
}
