// Label masks follow the image's preprocessing geometry by nearest neighbour, and coloured masks are refused.
import { describe, expect, it } from 'vitest';
import { maskFromPixels, maskTargets } from './label-mask.js';
import type { PreprocessSpec } from './preprocess.js';

const spec = (width: number, height: number, resize: PreprocessSpec['resize']): PreprocessSpec => ({ width, height, resize, channels: 3, layout: 'NCHW', colorOrder: 'RGB', scale: 1 / 255, mean: [0], std: [1] });

describe('label masks', () => {
  it('stretch: a 2×2 mask read at a 4×4 output repeats each label over its quarter', () => {
    const mask = { width: 2, height: 2, data: Uint8Array.from([1, 2, 3, 4]) };
    expect([...maskTargets(mask, spec(8, 8, 'stretch'), 4, 4)]).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
    // A coarser output (1×1) reads the label under its centre.
    expect([...maskTargets(mask, spec(8, 8, 'stretch'), 1, 1)]).toEqual([4]);
  });

  it('resize + centre crop: the labels of the cropped-away border are not read', () => {
    // 4×2 mask (columns 0..3 hold labels 0..3): shorter side 2 → 2 (no scaling), crop 2×2 from x = 1.
    const mask = { width: 4, height: 2, data: Uint8Array.from([0, 1, 2, 3, 0, 1, 2, 3]) };
    expect([...maskTargets(mask, spec(2, 2, 2), 2, 2)]).toEqual([1, 2, 1, 2]);
  });

  it('reads the gray value as the class; a coloured pixel is refused with the file and position', () => {
    const gray = { width: 2, height: 1, channels: 4 as const, data: Uint8Array.from([3, 3, 3, 255, 255, 255, 255, 255]) };
    expect([...maskFromPixels(gray, 'a.mask.png').data]).toEqual([3, 255]);
    const coloured = { width: 2, height: 1, channels: 4 as const, data: Uint8Array.from([3, 3, 3, 255, 128, 0, 0, 255]) };
    expect(() => maskFromPixels(coloured, 'b.mask.png')).toThrow(/b\.mask\.png: the mask has coloured pixels \(at x=1, y=0\)/);
  });
});
