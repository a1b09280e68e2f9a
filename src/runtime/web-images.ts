// Browser side of image input: decode with createImageBitmap + OffscreenCanvas (both available in
// workers), and label files picked from a folder by their class sub-folder.
import type { PixelImage } from '../core/images/preprocess.js';
import { labelForFolder } from '../core/images/dataset.js';
import { checkPixelCount, DEFAULT_MAX_PIXELS, readImageHeader, type ImageHeader } from '../core/images/header.js';

/** Bytes read for the header: enough for PNG and for JPEGs with EXIF thumbnails before the frame header. */
const HEADER_BYTES = 1 << 18;

/** The declared size of a PNG/JPEG blob (undefined for other formats), read without decoding. */
async function blobHeader(blob: Blob, source: string): Promise<ImageHeader | undefined> {
  try {
    return readImageHeader(new Uint8Array(await blob.slice(0, HEADER_BYTES).arrayBuffer()), source);
  } catch (err) {
    if (blob.size <= HEADER_BYTES) throw err;
    return readImageHeader(new Uint8Array(await blob.arrayBuffer()), source);
  }
}

/**
 * Decodes an image Blob/File to RGBA pixels, without colour-space conversion or premultiplied alpha.
 * PNG/JPEG sizes are read from the header and checked against `maxPixels` before decoding (a tiny
 * file can declare gigapixels); other formats the browser decodes are checked right after.
 */
export async function decodeImageBlob(blob: Blob, source = 'image', maxPixels = DEFAULT_MAX_PIXELS): Promise<PixelImage> {
  const header = await blobHeader(blob, source);
  if (header) checkPixelCount(header, source, maxPixels);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch (err) {
    throw new Error(`${source}: the browser cannot decode this image (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
  if (!header) {
    try {
      checkPixelCount({ format: 'png', width: bitmap.width, height: bitmap.height }, source, maxPixels);
    } catch (err) {
      bitmap.close();
      throw err;
    }
  }
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('OffscreenCanvas 2D context is unavailable');
    ctx.drawImage(bitmap, 0, 0);
    const { data } = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
    return { width: bitmap.width, height: bitmap.height, channels: 4, data };
  } finally {
    bitmap.close();
  }
}

/** A picked image file with the label its folder implies, and its segmentation label mask when one was picked beside it. */
export interface LabelledFile {
  file: File;
  label?: number;
  mask?: File;
}

/** Label masks are named after their image (photo.jpg → photo.mask.png), as the CLI reads them (node-images.ts). */
const MASK_SUFFIX = /\.mask\.png$/i;
const pathOf = (f: File): string => f.webkitRelativePath || f.name;

/**
 * Labels files from a folder picker (`<input webkitdirectory>`: each has webkitRelativePath
 * "root/<class>/<file>"): numeric class folders are output indices, names are looked up in `labelNames`.
 * A NAME.mask.png picked with NAME.png/.jpg (same folder) is that image's label mask, not an image.
 */
export function labelPickedFiles(files: readonly File[], labelNames?: readonly string[]): LabelledFile[] {
  const masks = new Map(files.filter((f) => MASK_SUFFIX.test(f.name)).map((f) => [pathOf(f).replace(MASK_SUFFIX, ''), f]));
  return files
    .filter((f) => /\.(png|jpe?g)$/i.test(f.name) && !MASK_SUFFIX.test(f.name))
    .map((file) => {
      const parts = pathOf(file).split('/');
      const folder = parts.length >= 3 ? parts[parts.length - 2] : undefined;
      const label = folder !== undefined ? labelForFolder(folder, labelNames) : undefined;
      const mask = masks.get(pathOf(file).replace(/\.(png|jpe?g)$/i, ''));
      return { file, ...(label !== undefined ? { label } : {}), ...(mask ? { mask } : {}) };
    });
}
