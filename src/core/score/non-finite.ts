// NaN or infinite scores (weights holding NaN/Inf, activations that overflow) would rank channels
// arbitrarily: scoring and planning refuse them unless asked to leave those groups unpruned.

/** Raised when a criterion gives NaN or infinite scores and `allowNonFinite` is not set. */
export class NonFiniteScoresError extends Error {
  override readonly name = 'NonFiniteScoresError';
  constructor(readonly criterion: string, readonly groups: readonly string[]) {
    super(
      `criterion "${criterion}" gives NaN or infinite scores for ${groups.length} group${groups.length > 1 ? 's' : ''} (${groups.slice(0, 5).map((g) => `"${g}"`).join(', ')}${groups.length > 5 ? ', …' : ''}): ` +
        'their weights or activations hold NaN/Inf, so the ranking would be arbitrary. Repair the model, or allow pruning the other groups (--allow-non-finite).',
    );
  }
}

/** The skip reason of a group whose scores are not finite (scoreGroups with allowNonFinite). */
export const NON_FINITE_REASON = 'scores are NaN or infinite (weights or activations hold NaN/Inf): left unpruned';
