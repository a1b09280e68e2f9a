import { describe, expect, it } from 'vitest';
import { splitForEllipsis } from './middle-ellipsis';

describe('splitForEllipsis', () => {
  it('keeps short names whole', () => {
    expect(splitForEllipsis('/fc/Gemm')).toEqual(['', '/fc/Gemm']);
  });

  it('keeps the last path segments that fit, so sibling layers stay distinguishable', () => {
    expect(splitForEllipsis('/stages/stages.1/conv1/conv1.0/Conv')).toEqual(['/stages/stages.1', '/conv1/conv1.0/Conv']);
    expect(splitForEllipsis('/stages/stages.1/shortcut/shortcut.0/Conv')).toEqual(['/stages/stages.1/shortcut', '/shortcut.0/Conv']);
    const [head, tail] = splitForEllipsis('/stem/stem.0/Conv_with_a_long_suffix');
    expect(head + tail).toBe('/stem/stem.0/Conv_with_a_long_suffix');
    expect(tail.length).toBeLessThanOrEqual(20);
  });

  it('cuts names without separators to their last characters', () => {
    const name = 'a'.repeat(30) + 'b'.repeat(10);
    expect(splitForEllipsis(name)).toEqual(['a'.repeat(20), 'a'.repeat(10) + 'b'.repeat(10)]);
  });
});
