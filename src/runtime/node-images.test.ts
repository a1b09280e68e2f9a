// Decoding and folder listing on files written by real encoders (pngjs, jpeg-js) in a temp folder,
// and on the committed demo samples when present.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeImage, listImageFolder, readImageFile } from './node-images.js';

const root = mkdtempSync(join(tmpdir(), 'node-images-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function writePng(path: string, width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): void {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) png.data.set([...pixel(x, y), 255], (y * width + x) * 4);
  writeFileSync(path, PNG.sync.write(png));
}

describe('decodeImage', () => {
  it('decodes PNG exactly and JPEG approximately to RGBA', () => {
    const png = join(root, 'a.png');
    writePng(png, 3, 2, (x, y) => [x * 50, y * 100, 7]);
    const img = readImageFile(png);
    expect([img.width, img.height, img.channels]).toEqual([3, 2, 4]);
    expect(Array.from(img.data.subarray(4 * 5, 4 * 6))).toEqual([100, 100, 7, 255]);

    const raw = Buffer.alloc(8 * 8 * 4, 0);
    for (let i = 0; i < 64; i++) raw.set([200, 40, 40, 255], i * 4);
    const jpg = jpeg.encode({ data: raw, width: 8, height: 8 }, 95).data;
    const decoded = decodeImage(jpg, 'red.jpg');
    expect([decoded.width, decoded.height]).toEqual([8, 8]);
    expect(Math.abs(decoded.data[0]! - 200)).toBeLessThan(8);
    expect(Math.abs(decoded.data[1]! - 40)).toBeLessThan(8);
  });

  it('names the file when it is not an image', () => {
    expect(() => decodeImage(new TextEncoder().encode('hello'), 'notes.txt')).toThrow(/notes\.txt: not a PNG or JPEG/);
    expect(() => decodeImage(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 1, 2]), 'broken.png')).toThrow(/broken\.png: cannot decode/);
  });
});

describe('listImageFolder', () => {
  it('labels numeric and named class folders, interleaves classes and honours the limit', () => {
    const dir = join(root, 'set');
    for (const folder of ['0', '2', 'Trouser', 'mystery']) mkdirSync(join(dir, folder), { recursive: true });
    writeFileSync(join(root, 'labels.txt'), 'T-shirt\nTrouser\nPullover\n');
    for (const folder of ['0', '2', 'Trouser']) for (const i of [1, 2, 10]) writePng(join(dir, folder, `${i}.png`), 1, 1, () => [i, i, i]);
    writePng(join(dir, 'mystery', 'x.png'), 1, 1, () => [0, 0, 0]);
    writePng(join(dir, 'loose.png'), 1, 1, () => [0, 0, 0]);
    writeFileSync(join(dir, '0', 'readme.md'), 'not an image');

    const all = listImageFolder(dir);
    expect(all.labelNames).toEqual(['T-shirt', 'Trouser', 'Pullover']);
    expect(all.unknownFolders).toEqual(['mystery']);
    expect(all.entries).toHaveLength(11);
    const first = all.entries.slice(0, 5).map((e) => [e.path.slice(dir.length + 1), e.label]);
    expect(first).toEqual([['loose.png', undefined], ['0/1.png', 0], ['2/1.png', 2], ['mystery/x.png', undefined], ['Trouser/1.png', 1]]);
    // Numeric order inside a class: 1, 2, 10.
    expect(all.entries.filter((e) => e.folder === '0').map((e) => e.path.slice(-6))).toEqual(['/1.png', '/2.png', '10.png']);
    expect(listImageFolder(dir, 3).entries).toHaveLength(3);
  });

  it('says what is wrong with a missing or empty folder', () => {
    expect(() => listImageFolder(join(root, 'nope'))).toThrow(/not a folder/);
    mkdirSync(join(root, 'empty'));
    expect(() => listImageFolder(join(root, 'empty'))).toThrow(/no PNG or JPEG/);
  });

  it.runIf(existsSync('public/samples/test/0'))('reads the committed Fashion-MNIST samples as 28×28 gray with labels', () => {
    const folder = listImageFolder('public/samples/test', 20);
    expect(folder.labelNames?.[9]).toBe('Ankle boot');
    expect(new Set(folder.entries.map((e) => e.label))).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    const img = readImageFile(folder.entries[0]!.path);
    expect([img.width, img.height]).toEqual([28, 28]);
    // Gray PNGs decode with R = G = B.
    for (let i = 0; i < img.data.length; i += 4) expect(img.data[i]).toBe(img.data[i + 1]);
  });
});
