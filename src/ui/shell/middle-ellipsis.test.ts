import { describe, expect, it } from 'vitest';
import { foldRepeats, splitForEllipsis } from './middle-ellipsis';

describe('splitForEllipsis', () => {
  it('keeps short names whole', () => {
    expect(splitForEllipsis('/fc/Gemm')).toEqual(['', '/fc/Gemm']);
  });

  it('folds torch-style repeated segments, so siblings differ early', () => {
    expect(foldRepeats('/stages/stages.1/conv1/conv1.0/Conv')).toBe('/stages.1/conv1.0/Conv');
    expect(foldRepeats('/stem/stem.0/Conv')).toBe('/stem.0/Conv');
    expect(foldRepeats('features.3.conv')).toBe('features.3.conv');
  });

  it('keeps the last path segments that fit whole in the tail', () => {
    expect(splitForEllipsis('/stages/stages.1/conv1/conv1.0/Conv')).toEqual(['/stages.1', '/conv1.0/Conv']);
    expect(splitForEllipsis('/stages/stages.1/shortcut/shortcut.0/Conv')).toEqual(['/stages.1', '/shortcut.0/Conv']);
  });

  it('cuts names without separators to their last characters', () => {
    const name = 'a'.repeat(30) + 'b'.repeat(10);
    expect(splitForEllipsis(name)).toEqual(['a'.repeat(24), 'a'.repeat(6) + 'b'.repeat(10)]);
  });
});
