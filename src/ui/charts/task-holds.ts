// "Kept because of": for a multi-output model scored per output (Taylor/oracle), which output's
// score holds each kept channel above the cut. Scores are combined by max (core/score/criteria.ts),
// so a kept channel is held by the output whose own score is its combined one — the task that, alone,
// would have kept it.

/** One output's normalised scores for one group (one value per channel). */
export interface OutputScores {
  output: string;
  values: ArrayLike<number>;
}

/**
 * For each channel: the index (into `perOutput`) of the output with the largest score, or -1 for a
 * pruned channel (or when no output scored it). Ties go to the first output.
 */
export function holdingOutput(perOutput: readonly OutputScores[], pruned: readonly boolean[]): number[] {
  return pruned.map((isPruned, c) => {
    if (isPruned) return -1;
    let best = -1;
    let bestValue = -Infinity;
    perOutput.forEach((o, i) => {
      const v = o.values[c];
      if (v !== undefined && Number.isFinite(v) && v > bestValue) {
        bestValue = v;
        best = i;
      }
    });
    return best;
  });
}

/** Kept channels held by each output (same order as `perOutput`). */
export function holdCounts(holders: readonly number[], outputs: number): number[] {
  const counts = new Array<number>(outputs).fill(0);
  for (const h of holders) if (h >= 0) counts[h]!++;
  return counts;
}
