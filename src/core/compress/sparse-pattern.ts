// Sparsity patterns: unstructured, or N:M (N of every M consecutive weights along the reduced axis
// stay). A module of its own (no graph code) so plans and the page can check a pattern cheaply.

export type SparsePattern = { kind: 'unstructured' } | { kind: 'n:m'; n: number; m: number };

/** Parses "unstructured", "2:4", "4:8" …; throws with the accepted forms otherwise. */
export function parsePattern(text: string): SparsePattern {
  if (text === 'unstructured') return { kind: 'unstructured' };
  const m = /^(\d+):(\d+)$/.exec(text);
  if (m && Number(m[1]) >= 1 && Number(m[1]) < Number(m[2])) return { kind: 'n:m', n: Number(m[1]), m: Number(m[2]) };
  throw new Error(`pattern "${text}": use unstructured or N:M with 1 ≤ N < M (e.g. 2:4, 4:8)`);
}

/** The sparsity a pattern gives eligible layers (N:M: 1 − N/M). */
export function patternSparsity(pattern: SparsePattern, sparsity: number): number {
  return pattern.kind === 'n:m' ? 1 - pattern.n / pattern.m : sparsity;
}
