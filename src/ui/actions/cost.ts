// The plan's cost read-out (params, MACs, bytes and the plan JSON), recomputed after edits settle.
import { isAborted } from '../../workers/client/studio-error';
import { studioClient } from '../services/clients';
import { useStudio } from '../store/store';
import { errorText } from './errors';
import { jobs } from './jobs';
import { currentPlan } from './plan';

const s = () => useStudio.getState();

let costTimer: ReturnType<typeof setTimeout> | undefined;

/** Recomputes params/MACs/bytes after `delayMs` of quiet (slider drags send many changes). */
export function scheduleCost(delayMs = 120): void {
  clearTimeout(costTimer);
  if (!s().costPending) s().setCostPending(true);
  costTimer = setTimeout(() => void refreshCost(), delayMs);
}

async function refreshCost(): Promise<void> {
  if (!s().groups) return s().setCostPending(false);
  const job = jobs.start('cost');
  try {
    const plan = currentPlan();
    const cost = await studioClient().call((api, jobId) => api.planCost({ jobId, ...plan }), job.signal);
    if (job.isLive()) s().setCost(cost);
  } catch (err) {
    if (job.isCurrent() && !isAborted(err)) s().setCost(undefined, errorText(err));
  } finally {
    jobs.finish(job);
  }
}
