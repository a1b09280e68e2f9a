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

/** A picked image file with the label its folder implies. */
export interface LabelledFile {
  file: File;
  label?: number;
}

/**
 * Labels files from a folder picker (`<input webkitdirectory>`: each has webkitRelativePath
 * "root/<class>/<file>"): numeric class folders are output indices, names are looked up in `labelNames`.
 */
export function labelPickedFiles(files: readonly File[], labelNames?: readonly string[]): LabelledFile[] {
  return files
    .filter((f) => /\.(png|jpe?g)$/i.test(f.name))
    .map((file) => {
      const parts = (file.webkitRelativePath || file.name).split('/');
      const folder = parts.length >= 3 ? parts[parts.length - 2] : undefined;
      const label = folder !== undefined ? labelForFolder(folder, labelNames) : undefined;
      return label !== undefined ? { file, label } : { file };
    });
}
