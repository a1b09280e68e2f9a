// Picked files: a NAME.mask.png picked with NAME.png/.jpg is that image's segmentation label mask
// (as the CLI reads a folder), never an image of its own.
import { describe, expect, it } from 'vitest';
import { labelPickedFiles } from './web-images';

const file = (name: string) => new File([new Uint8Array(1)], name, { type: 'image/png' });

describe('labelPickedFiles', () => {
  it('pairs NAME.mask.png with its image and drops masks from the images', () => {
    const picked = labelPickedFiles([file('a.png'), file('a.mask.png'), file('b.jpg'), file('b.mask.png'), file('c.png'), file('notes.txt')]);
    expect(picked.map((p) => [p.file.name, p.mask?.name])).toEqual([['a.png', 'a.mask.png'], ['b.jpg', 'b.mask.png'], ['c.png', undefined]]);
  });
});
