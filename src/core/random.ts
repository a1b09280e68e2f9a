/** Deterministic pseudo-random numbers in [0, 1) (mulberry32): reproducible plans, samples and tests. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform sample of at most `max` of `items`, without replacement (partial Fisher–Yates; shuffles `items` in place). */
export function sampleWithoutReplacement<T>(items: T[], max: number, random: () => number): T[] {
  const count = Math.min(max, items.length);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (items.length - i));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items.slice(0, count);
}
