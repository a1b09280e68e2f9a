// Channel scores per group for the heatmaps, and the criteria the switcher offers.
import type { CriterionInfo, GroupScores, ProgressCallback, ScoreRequest } from '../protocol';
import { engineMissing } from './engine-missing';
import { requireLoadedModel } from './loaded-model';

/** The criteria with their one-line explanations. */
export function listCriteria(): CriterionInfo[] {
  return [];
}

/** Scores every prunable group's channels with `request.criterion`. */
export async function scoreGroups(request: ScoreRequest, onProgress?: ProgressCallback): Promise<GroupScores> {
  requireLoadedModel();
  void onProgress;
  throw engineMissing(`Scoring (${request.criterion})`, 'src/core/score');
}
