// Sensitivity-guided global control: ratios that remove the target share of MACs with the smallest
// predicted drop (core/prune/allocate greedy), from the last sensitivity run.
import { allocateGreedy } from '../../core/prune/allocate';
import type { GlobalPlanRequest } from '../protocol';
import { JobError } from '../jobs';
import type { LoadedModel } from './loaded-model';
import { analysisOf, cachedScores } from './pruning-cache';
import { lastSensitivity } from './sensitivity';

/** Ratios for the free groups meeting `request.target` (fraction of MACs to remove). */
export async function allocateBySensitivity(loaded: LoadedModel, request: GlobalPlanRequest, free: string[]): Promise<Record<string, number>> {
  const sensitivity = lastSensitivity(loaded);
  const scores = sensitivity && cachedScores(loaded, sensitivity.criterion);
  if (!sensitivity || !scores) {
    throw new JobError('internal', 'No sensitivity curves for this model yet.', 'Run the Sensitivity analysis first, then apply the MACs target.');
  }
  const allocation = await allocateGreedy(loaded.model, analysisOf(loaded), {
    sensitivity, scores, roundTo: request.roundTo, locked: request.locked,
    target: { kind: 'macs', keep: 1 - request.target },
  });
  const out = Object.fromEntries(free.map((id) => [id, allocation.ratios[id] ?? 0]));
  if (!allocation.reached) {
    throw new JobError('internal', `The MACs target (−${Math.round(request.target * 100)} %) cannot be reached with the measured ratios.`,
      'Lower the target, unlock groups, or run sensitivity with higher ratios.');
  }
  return out;
}
