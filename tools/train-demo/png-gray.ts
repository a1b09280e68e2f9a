// A minimal PNG decoder for the demo samples (8-bit grayscale, non-interlaced), so the asset test needs
// no image dependency. Anything else is rejected with a message naming the file.
import { inflateSync } from 'node:zlib';

export interface GrayImage {
  width: number;
  height: number;
  /** Row-major 8-bit pixel values, width × height. */
  pixels: Uint8Array;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Decodes an 8-bit grayscale, non-interlaced PNG (what tools/train-demo/make_samples.py writes). */
export function decodeGrayPng(bytes: Uint8Array, source: string): GrayImage {
  if (!SIGNATURE.every((b, i) => bytes[i] === b)) throw new Error(`${source}: not a PNG file (bad signature)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let width = 0;
  let height = 0;
  const idat: Uint8Array[] = [];
  for (let pos = 8; pos + 8 <= bytes.length; ) {
    const length = view.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    const data = bytes.subarray(pos + 8, pos + 8 + length);
    if (type === 'IHDR') {
      width = view.getUint32(pos + 8);
      height = view.getUint32(pos + 12);
      const [bitDepth, colorType, , , interlace] = data.subarray(8, 13);
      if (bitDepth !== 8 || colorType !== 0 || interlace !== 0) {
        throw new Error(`${source}: PNG is bit depth ${bitDepth}, color type ${colorType}, interlace ${interlace}; ` +
          'only 8-bit grayscale non-interlaced is supported (regenerate with tools/train-demo/make_samples.py)');
      }
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'IEND') {
      break;
    }
    pos += 12 + length; // length + type + data + CRC
  }
  if (width === 0 || idat.length === 0) throw new Error(`${source}: PNG has no IHDR or IDAT chunk`);
  const raw = inflateSync(Buffer.concat(idat));
  if (raw.length !== height * (width + 1)) {
    throw new Error(`${source}: inflated ${raw.length} bytes, expected ${height * (width + 1)} for ${width}×${height}`);
  }
  return { width, height, pixels: unfilter(raw, width, height, source) };
}

// Undo the per-row PNG filters (None, Sub, Up, Average, Paeth) with 1 byte per pixel.
function unfilter(raw: Uint8Array, width: number, height: number, source: string): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (width + 1)];
    const row = raw.subarray(y * (width + 1) + 1, (y + 1) * (width + 1));
    for (let x = 0; x < width; x++) {
      const a = x > 0 ? out[y * width + x - 1]! : 0;
      const b = y > 0 ? out[(y - 1) * width + x]! : 0;
      const c = x > 0 && y > 0 ? out[(y - 1) * width + x - 1]! : 0;
      let predictor: number;
      if (filter === 0) predictor = 0;
      else if (filter === 1) predictor = a;
      else if (filter === 2) predictor = b;
      else if (filter === 3) predictor = (a + b) >> 1;
      else if (filter === 4) predictor = paeth(a, b, c);
      else throw new Error(`${source}: row ${y} has unknown PNG filter type ${filter}`);
      out[y * width + x] = (row[x]! + predictor) & 0xff;
    }
  }
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}
