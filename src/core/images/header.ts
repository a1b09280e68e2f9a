// Image dimensions from the PNG/JPEG header, read before decoding: a file of a few hundred KB can
// declare 30000×30000 pixels (a decompression bomb) and take gigabytes and tens of seconds to
// decode, so every decoder checks the pixel count against a cap first.

/** Default cap on width × height: 50 megapixels (a 8660×5773 photo; far above any model input). */
export const DEFAULT_MAX_PIXELS = 50_000_000;

export interface ImageHeader {
  format: 'png' | 'jpeg';
  width: number;
  height: number;
}

/** Raised for an image that is not decoded: over the pixel cap, or a header that cannot be read. */
export class ImageRejectedError extends Error {
  override readonly name = 'ImageRejectedError';
}

const u16 = (b: Uint8Array, i: number) => (b[i]! << 8) | b[i + 1]!;
const u32 = (b: Uint8Array, i: number) => ((b[i]! << 24) >>> 0) + ((b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!);

function pngHeader(b: Uint8Array): ImageHeader | undefined {
  // 8-byte signature, then the IHDR chunk: length, "IHDR", width, height.
  if (b.length < 24 || String.fromCharCode(b[12]!, b[13]!, b[14]!, b[15]!) !== 'IHDR') return undefined;
  return { format: 'png', width: u32(b, 16), height: u32(b, 20) };
}

/** SOF0…SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not. */
const isStartOfFrame = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

function jpegHeader(b: Uint8Array): ImageHeader | undefined {
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return undefined;
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2; // markers without a length
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return undefined; // end of image / scan data before any frame header
    const length = u16(b, i + 2);
    if (isStartOfFrame(marker)) {
      if (i + 9 > b.length) return undefined;
      return { format: 'jpeg', height: u16(b, i + 5), width: u16(b, i + 7) };
    }
    i += 2 + length;
  }
  return undefined;
}

/**
 * The format and size an image declares, without decoding it; undefined when the bytes are neither
 * PNG nor JPEG. Throws ImageRejectedError naming `source` for a PNG/JPEG whose header is unreadable.
 */
export function readImageHeader(bytes: Uint8Array, source: string): ImageHeader | undefined {
  const png = bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8;
  if (!png && !jpeg) return undefined;
  const header = png ? pngHeader(bytes) : jpegHeader(bytes);
  if (!header) throw new ImageRejectedError(`${source}: cannot decode image (the ${png ? 'PNG' : 'JPEG'} header is truncated or corrupt: no image size found); re-export it`);
  if (header.width === 0 || header.height === 0) throw new ImageRejectedError(`${source}: the image declares a size of ${header.width}×${header.height} pixels`);
  return header;
}

/**
 * Throws ImageRejectedError naming `source` when the image declares more than `maxPixels` pixels;
 * `raiseHint` says how to allow bigger images (a CLI option, a setting).
 */
export function checkPixelCount(header: ImageHeader, source: string, maxPixels = DEFAULT_MAX_PIXELS, raiseHint = ''): void {
  const pixels = header.width * header.height;
  if (pixels <= maxPixels) return;
  const mp = (n: number) => `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)} MP`;
  throw new ImageRejectedError(
    `${source}: the image declares ${header.width}×${header.height} pixels (${mp(pixels)}), over the limit of ${mp(maxPixels)}; ` +
      `decoding it would need ${((pixels * 4) / 2 ** 30).toFixed(1)} GiB. Resize it${raiseHint ? `, or ${raiseHint}` : ''}.`,
  );
}
