// The plan as the worker sees it, and the global control that rewrites it in one undo step.
import type { PlanInput } from '../../workers/protocol';
import { studioClient } from '../services/clients';
import { useStudio } from '../store/store';
import { errorText } from './errors';

const s = () => useStudio.getState();

/** The plan as the worker wants it. */
export function currentPlan(): PlanInput {
  const { ratios, roundTo, criterion } = s();
  return { ratios, roundTo, criterion };
}

/** Runs the global control and records the result as one undo step. */
export async function applyGlobal(): Promise<void> {
  const { globalMode, globalTarget, locked, ratios, roundTo, criterion, summary } = s();
  if (globalMode === 'gates') return; // trained, not applied: actions/gates.ts
  const lockedRatios = Object.fromEntries(Object.keys(locked).map((id) => [id, ratios[id] ?? 0]));
  try {
    const next = await studioClient().call((api, jobId) =>
      api.globalPlan({ jobId, mode: globalMode, target: globalTarget, locked: lockedRatios, roundTo, criterion }));
    if (s().summary === summary) s().applyRatios({ ...next, ...lockedRatios }); // not another model's groups
  } catch (err) {
    if (s().summary === summary) s().setCost(s().cost, errorText(err));
  }
}
