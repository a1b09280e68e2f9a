// Header sizes against files written by real encoders (pngjs, jpeg-js), and truncated headers.
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { checkPixelCount, ImageRejectedError, readImageHeader } from './header';

const png = (w: number, h: number) => new Uint8Array(PNG.sync.write(new PNG({ width: w, height: h })));
const jpg = (w: number, h: number) => new Uint8Array(jpeg.encode({ width: w, height: h, data: new Uint8Array(w * h * 4) }, 80).data);

describe('readImageHeader', () => {
  it('reads PNG and JPEG sizes without decoding', () => {
    expect(readImageHeader(png(37, 11), 'a.png')).toEqual({ format: 'png', width: 37, height: 11 });
    expect(readImageHeader(jpg(33, 17), 'a.jpg')).toEqual({ format: 'jpeg', width: 33, height: 17 });
    expect(readImageHeader(new TextEncoder().encode('hello'), 'a.txt')).toBeUndefined();
  });

  it('refuses truncated headers, naming the file', () => {
    expect(() => readImageHeader(png(4, 4).subarray(0, 20), 'cut.png')).toThrow(/cut\.png: cannot decode image \(the PNG header is truncated/);
    expect(() => readImageHeader(jpg(4, 4).subarray(0, 30), 'cut.jpg')).toThrow(ImageRejectedError);
  });

  it('caps the pixel count with a message that says how to raise it', () => {
    const header = { format: 'jpeg' as const, width: 10000, height: 6000 };
    expect(() => checkPixelCount(header, 'big.jpg', 50e6, 'pass --max-megapixels N')).toThrow(/big\.jpg: .*10000×6000 pixels \(60 MP\), over the limit of 50 MP.*or pass --max-megapixels N/);
    expect(() => checkPixelCount(header, 'big.jpg', 60e6)).not.toThrow();
  });
});
