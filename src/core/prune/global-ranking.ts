// Global ranking: the channels of several groups ranked together by their score, the lowest
// removed first. Scores must be comparable across groups (scoreGroups normalises each group to a
// mean of 1; planForTarget does the same for raw magnitudes).

/** A group's channel scores (higher = more important). */
export interface RankedGroup {
  id: string;
  scores: ArrayLike<number>;
}

/**
 * Per group, the fraction of its channels among the `removed` lowest-scoring channels of all groups
 * (ties: earlier group, then lower index), capped at `maxRatio`. A capped group's surplus is not
 * passed on to others: the caller raises `removed` when it needs more.
 */
export function globalRanking(groups: readonly RankedGroup[], removed: number, maxRatio = 1): Record<string, number> {
  const entries: { score: number; group: number; index: number }[] = [];
  groups.forEach((g, group) => {
    for (let index = 0; index < g.scores.length; index++) entries.push({ score: g.scores[index]!, group, index });
  });
  entries.sort((a, b) => a.score - b.score || a.group - b.group || a.index - b.index);
  const below = new Array<number>(groups.length).fill(0);
  for (let i = 0; i < Math.min(Math.max(0, Math.floor(removed)), entries.length); i++) below[entries[i]!.group]!++;
  return Object.fromEntries(groups.map((g, i) => [g.id, Math.min(maxRatio, below[i]! / Math.max(1, g.scores.length))]));
}
