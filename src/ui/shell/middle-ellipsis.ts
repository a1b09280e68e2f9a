// Long layer names for narrow lists: torch-style repeats are folded ("/stages/stages.1" →
// "/stages.1"), then the head may be cut by CSS (text-overflow) while the tail — the part that
// tells layers apart ("conv1.0/Conv") — always stays visible. The full name is shown on hover.

/** Longest tail kept whole; longer last segments are cut to their end. */
const MAX_TAIL = 16;

/** `name` without path segments that the next one repeats ("conv1/conv1.0" → "conv1.0"). */
export function foldRepeats(name: string): string {
  const parts = name.split('/');
  return parts.filter((p, i) => !(p && parts[i + 1]?.startsWith(`${p}.`))).join('/');
}

/** [head, tail] of the folded name: the tail is its last path segments that fit MAX_TAIL characters. */
export function splitForEllipsis(name: string): [string, string] {
  const folded = foldRepeats(name);
  if (folded.length <= MAX_TAIL) return ['', folded];
  let cut = folded.length;
  for (let i = folded.lastIndexOf('/', folded.length - 2); i > 0; i = folded.lastIndexOf('/', i - 1)) {
    if (folded.length - i > MAX_TAIL) break;
    cut = i;
  }
  if (cut === folded.length) cut = folded.length - MAX_TAIL;
  return [folded.slice(0, cut), folded.slice(cut)];
}
