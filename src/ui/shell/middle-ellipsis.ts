// Splits a long name for a middle ellipsis: the head may be cut by CSS (text-overflow), the tail —
// the part that tells layers apart ("conv1.0/Conv") — always stays visible.

/** Longest tail kept whole; longer last segments are cut to their end. */
const MAX_TAIL = 20;

/** [head, tail] of `name`: the tail is its last path segments that fit MAX_TAIL characters. */
export function splitForEllipsis(name: string): [string, string] {
  if (name.length <= MAX_TAIL) return ['', name];
  let cut = name.length;
  for (let i = name.lastIndexOf('/', name.length - 2); i > 0; i = name.lastIndexOf('/', i - 1)) {
    if (name.length - i > MAX_TAIL) break;
    cut = i;
  }
  if (cut === name.length) cut = name.length - MAX_TAIL;
  return [name.slice(0, cut), name.slice(cut)];
}
