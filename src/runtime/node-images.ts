// Node side of image input: decode PNG/JPEG with pure-JS decoders (pngjs, jpeg-js; no native deps)
// and list a dataset folder, labelling images by their class sub-folder.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { PixelImage } from '../core/images/preprocess.js';
import { labelForFolder, parseLabels } from '../core/images/dataset.js';
import { checkPixelCount, DEFAULT_MAX_PIXELS, ImageRejectedError, readImageHeader } from '../core/images/header.js';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);
const LABEL_FILES = ['labels.txt', 'labels'];

/** Limits on what is decoded. */
export interface ImageLimits {
  /** Largest width × height decoded (default DEFAULT_MAX_PIXELS, 50 MP). */
  maxPixels?: number;
  /** How a user raises the cap, for the error message (e.g. "pass --max-megapixels N"). */
  raiseHint?: string;
}

/**
 * Decodes PNG or JPEG bytes (sniffed from the content) into RGBA pixels; `source` names the file in
 * errors. The size is read from the header first: images over the pixel cap are refused before
 * any decoding (a tiny file can declare gigapixels).
 */
export function decodeImage(bytes: Uint8Array, source: string, limits: ImageLimits = {}): PixelImage {
  const maxPixels = limits.maxPixels ?? DEFAULT_MAX_PIXELS;
  const header = readImageHeader(bytes, source);
  if (!header) throw new ImageRejectedError(`${source}: not a PNG or JPEG file; convert it to one of those`);
  checkPixelCount(header, source, maxPixels, limits.raiseHint);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    if (header.format === 'png') {
      const png = PNG.sync.read(buffer);
      return { width: png.width, height: png.height, channels: 4, data: png.data };
    }
    const img = jpeg.decode(buffer, {
      useTArray: true,
      formatAsRGBA: true,
      maxResolutionInMP: Math.ceil(maxPixels / 1e6),
      maxMemoryUsageInMB: Math.max(1024, Math.ceil((maxPixels * 8) / 2 ** 20)),
    });
    return { width: img.width, height: img.height, channels: 4, data: img.data };
  } catch (err) {
    throw new ImageRejectedError(`${source}: cannot decode image (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
}

/** Reads and decodes an image file. */
export function readImageFile(path: string, limits?: ImageLimits): PixelImage {
  return decodeImage(readFileSync(path), path, limits);
}

/** Reads only as much of an image file as its header needs and checks it (format, size, pixel cap). */
export function checkImageFile(path: string, limits: ImageLimits = {}): void {
  const bytes = readFileSync(path);
  const header = readImageHeader(bytes, path);
  if (!header) throw new ImageRejectedError(`${path}: not a PNG or JPEG file; convert it to one of those`);
  checkPixelCount(header, path, limits.maxPixels ?? DEFAULT_MAX_PIXELS, limits.raiseHint);
}

/** One image of a dataset folder. */
export interface ImageEntry {
  path: string;
  /** Output index of its class, when its folder names one. */
  label?: number;
  /** The class folder it came from, if any. */
  folder?: string;
  /** Its segmentation label mask beside it (NAME.mask.png for NAME.png/.jpg), when there is one. */
  mask?: string;
}

export interface ImageFolder {
  entries: ImageEntry[];
  /** Class names from a labels file (line i = output i), when one was found. */
  labelNames?: string[];
  labelFile?: string;
  /** Sub-folders whose name is neither a number nor in the labels file: their images are unlabelled. */
  unknownFolders: string[];
}

/** Label masks are named after their image: photo.jpg → photo.mask.png; they are not images to run. */
const MASK_SUFFIX = '.mask.png';
const isMask = (name: string) => name.toLowerCase().endsWith(MASK_SUFFIX);
const isImage = (name: string) => IMAGE_EXTENSIONS.has(extname(name).toLowerCase()) && !isMask(name);

/** The entry for image `file` of folder `dir`, with its mask when one lies beside it. */
function entryFor(dir: string, file: string, extra: Omit<ImageEntry, 'path' | 'mask'> = {}): ImageEntry {
  const mask = join(dir, `${file.slice(0, file.length - extname(file).length)}${MASK_SUFFIX}`);
  return { path: join(dir, file), ...extra, ...(existsSync(mask) ? { mask } : {}) };
}
const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

/**
 * Lists the images of `dir`: files directly in it (unlabelled) and in its sub-folders (labelled by
 * folder: a number is the output index, a name is looked up in labels.txt / labels in `dir` or its
 * parent), each with its segmentation mask NAME.mask.png when one lies beside it. Classes are interleaved (one of each in turn) so that `limit` keeps a balanced subset.
 */
export function listImageFolder(dir: string, limit?: number): ImageFolder {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${dir}: not a folder of images (PNG/JPEG files or class sub-folders)`);
  const labelFile = [dir, dirname(dir)].flatMap((d) => LABEL_FILES.map((f) => join(d, f))).find((p) => existsSync(p) && statSync(p).isFile());
  const labelNames = labelFile ? parseLabels(readFileSync(labelFile, 'utf8')) : undefined;
  const groups: ImageEntry[][] = [];
  const unknownFolders: string[] = [];
  const names = readdirSync(dir).sort(byName);
  groups.push(names.filter((n) => isImage(n) && statSync(join(dir, n)).isFile()).map((n) => entryFor(dir, n)));
  for (const folder of names) {
    const sub = join(dir, folder);
    if (folder.startsWith('.') || !statSync(sub).isDirectory()) continue;
    const label = labelForFolder(folder, labelNames);
    if (label === undefined) unknownFolders.push(folder);
    const files = readdirSync(sub).filter(isImage).sort(byName);
    groups.push(files.map((f) => entryFor(sub, f, { folder, ...(label !== undefined ? { label } : {}) })));
  }
  const entries: ImageEntry[] = [];
  for (let i = 0, more = true; more; i++) {
    more = false;
    for (const g of groups) {
      if (i < g.length) {
        entries.push(g[i]!);
        more = true;
      }
    }
  }
  if (!entries.length) throw new Error(`${dir}: no PNG or JPEG images in it or its sub-folders`);
  return {
    entries: limit !== undefined ? entries.slice(0, limit) : entries,
    ...(labelNames ? { labelNames, labelFile: labelFile! } : {}),
    unknownFolders,
  };
}
