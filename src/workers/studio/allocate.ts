// Sensitivity-guided global control: ratios that remove the target share of MACs with the smallest
// predicted drop (core/prune/allocate greedy), from the last sensitivity run, optionally within a
// drop budget per output (PAGCP's task budgets, as `prune --task-budget` in the CLI).
import { allocateGreedy, taskBudgetOutcomes, type Allocation } from '../../core/prune/allocate';
import type { GlobalPlanRequest, GlobalPlanResult } from '../protocol';
import { JobError } from '../jobs';
import type { LoadedModel } from './loaded-model';
import { analysisOf, cachedScores } from './pruning-cache';
import { lastSensitivity } from './sensitivity';

/** Ratios for the free groups meeting `request.target` (fraction of MACs to remove), within `request.budgets`. */
export async function allocateBySensitivity(loaded: LoadedModel, request: GlobalPlanRequest, free: string[]): Promise<GlobalPlanResult> {
  const sensitivity = lastSensitivity(loaded);
  const scores = sensitivity && cachedScores(loaded, sensitivity.criterion);
  if (!sensitivity || !scores) {
    throw new JobError('internal', 'No sensitivity curves for this model yet.', 'Run the Sensitivity analysis first, then apply the MACs target.');
  }
  const budgets = request.budgets && Object.keys(request.budgets).length ? request.budgets : undefined;
  let allocation: Allocation;
  try {
    allocation = await allocateGreedy(loaded.model, analysisOf(loaded), {
      sensitivity, scores, roundTo: request.roundTo, locked: request.locked, budgets,
      target: { kind: 'macs', keep: 1 - request.target },
    });
  } catch (err) {
    // Core checks the budgets against the curves (an output they lack, a budget ≤ 0).
    if (budgets) throw new JobError('internal', `${(err as Error).message}.`, 'Leave a task budget empty for no budget, or run Sensitivity again.');
    throw err;
  }
  const ratios = Object.fromEntries(free.map((id) => [id, allocation.ratios[id] ?? 0]));
  const keptMacs = allocation.cost / allocation.baseCost;
  const tasks = budgets && taskBudgetOutcomes(allocation.taskDrops, budgets, sensitivity.outputs);
  const binding = allocation.binding ?? [];
  if (!allocation.reached && !binding.length) {
    throw new JobError('internal', `The MACs target (−${Math.round(request.target * 100)} %) cannot be reached with the measured ratios.`,
      'Lower the target, unlock groups, or run sensitivity with higher ratios.');
  }
  // A budget that binds first is an answer, not a failure: the plan within every budget (as the CLI writes it).
  return { ratios, keptMacs, ...(tasks ? { tasks, budgetLimited: binding.length > 0, ...(binding.length ? { binding } : {}) } : {}) };
}
