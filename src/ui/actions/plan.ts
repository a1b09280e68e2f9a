// The plan as the worker sees it, the global control that rewrites it in one undo step, and the
// plan file "Export plan" downloads (version 2 with the Rank and Sparsity tabs' choices).
import type { PlanInput } from '../../workers/protocol';
import { studioClient } from '../services/clients';
import { useStudio } from '../store/store';
import { currentCompress } from './compress';
import { downloadBytes } from './download';
import { errorText } from './errors';
import { budgetsToSend } from './task-budgets';

const s = () => useStudio.getState();

/** The plan as the worker wants it. */
export function currentPlan(): PlanInput {
  const { ratios, roundTo, criterion } = s();
  return { ratios, roundTo, criterion };
}

/**
 * Runs the global control and records the result as one undo step. The sensitivity mode sends the
 * task budgets typed for the outputs; the worker's per-task read-out is kept with the plan it made.
 */
export async function applyGlobal(): Promise<void> {
  const { globalMode, globalTarget, locked, ratios, roundTo, criterion, summary } = s();
  if (globalMode === 'gates') return; // trained, not applied: actions/gates.ts
  const lockedRatios = Object.fromEntries(Object.keys(locked).map((id) => [id, ratios[id] ?? 0]));
  const budgets = globalMode === 'sensitivity' ? budgetsToSend(s()) : undefined;
  try {
    const { ratios: next, ...readOut } = await studioClient().call((api, jobId) =>
      api.globalPlan({ jobId, mode: globalMode, target: globalTarget, locked: lockedRatios, roundTo, criterion, ...(budgets ? { budgets } : {}) }));
    if (s().summary !== summary) return; // not another model's groups
    s().applyRatios({ ...next, ...lockedRatios });
    s().setBudgetOutcome(readOut.tasks ? { ...readOut, plan: s().ratios, target: globalTarget } : undefined);
  } catch (err) {
    if (s().summary === summary) s().setCost(s().cost, errorText(err));
  }
}

/**
 * Downloads the plan file as `name`: the costed channel plan (version 1) or, with low rank or
 * sparsity chosen, version 2 from the worker with the ranks the pruned model really gets and the
 * sparsity settings (what `prune --plan` replays). Rejects with the worker's error.
 */
export async function downloadPlanJson(name: string): Promise<void> {
  const compress = currentCompress();
  const planJson = s().cost?.planJson;
  const text = compress ? await studioClient().call((api, jobId) => api.planJson({ jobId, ...currentPlan(), compress })) : planJson;
  if (text) downloadBytes(text, name, 'application/json');
}
