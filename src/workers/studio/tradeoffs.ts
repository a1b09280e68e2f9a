// One point of the Trade-offs sweep: the plan keeping a fraction of the MACs (core/prune/target.ts,
// allocated uniform / global / sensitivity), turned into the studio's own plan (ratios per group,
// so a click on the point loads exactly it), costed, then validated as the Validate tab does
// (validate.ts: same recovery, same images, accuracy or agreement and latency).
import { planCosting, type PlanCosting } from '../../core/prune/plan-costing';
import { planForTarget, type TargetPlan } from '../../core/prune/target';
import type { PlanInput, ProgressCallback, SweepPointRequest, SweepPointResult } from '../protocol';
import { checkpoint, JobError } from '../jobs';
import { requireLoadedModel, type LoadedModel } from './loaded-model';
import { MAX_RATIO, planCost, rankingCriterion } from './plan';
import { analysisOf, cachedScores } from './pruning-cache';
import { scoresFor } from './scores';
import { lastSensitivity } from './sensitivity';
import { validate } from './validate';

const costings = new WeakMap<LoadedModel, PlanCosting>();

function costingOf(loaded: LoadedModel): PlanCosting {
  let c = costings.get(loaded);
  if (!c) costings.set(loaded, (c = planCosting(loaded.model, analysisOf(loaded))));
  return c;
}

/**
 * The studio plan of a target plan: each group's ratio is the share of channels it loses there.
 * The studio rebuilds the plan from these ratios (planFromRatios keeps round(channels × (1 − ratio))
 * channels), which gives back the same kept counts, ranked by the same scores.
 */
export function studioPlanOf(target: Pick<TargetPlan, 'ratios'>, criterion: string, roundTo: number): PlanInput {
  const ratios = Object.fromEntries(Object.entries(target.ratios).filter(([, r]) => r > 0));
  return { ratios, roundTo, criterion };
}

/** The plan for one target and allocation, in the studio's form, with the criterion that really ranked it. */
export async function sweepPlan(loaded: LoadedModel, request: Pick<SweepPointRequest, 'jobId' | 'keepMacs' | 'allocation' | 'criterion' | 'roundTo'>): Promise<{ plan: PlanInput; target: TargetPlan }> {
  const { jobId, allocation, roundTo } = request;
  let criterion = rankingCriterion(loaded, request.criterion);
  const sensitivity = allocation === 'sensitivity' ? lastSensitivity(loaded) : undefined;
  if (allocation === 'sensitivity') {
    // The curves were measured with their own criterion's ranking: the allocation must rank alike.
    if (!sensitivity || !cachedScores(loaded, sensitivity.criterion)) {
      throw new JobError('internal', 'No sensitivity curves for this model yet.', 'Run the Sensitivity tab first, or untick the sensitivity allocation.');
    }
    criterion = sensitivity.criterion;
  }
  const scores = await scoresFor(loaded, { jobId, criterion });
  await checkpoint(jobId);
  let target: TargetPlan;
  try {
    target = await planForTarget(loaded.model, analysisOf(loaded), {
      target: { kind: 'macs', keep: request.keepMacs }, method: allocation, scores, criterion,
      maxRatio: MAX_RATIO, roundTo, sensitivity, costing: costingOf(loaded),
    });
  } catch (err) {
    throw new JobError('internal', `Could not plan ${Math.round(request.keepMacs * 100)} % of the MACs (${allocation}): ${(err as Error).message}.`,
      'Remove that target from the list, or choose another allocation.');
  }
  return { plan: studioPlanOf(target, criterion, roundTo), target };
}

/** Progress at most every PROGRESS_EVERY_MS: a sweep runs for minutes, and each message is a task on the page. */
const PROGRESS_EVERY_MS = 400;

function throttled(onProgress: ProgressCallback): ProgressCallback {
  let last = -Infinity;
  return (p) => {
    const now = performance.now();
    if (now - last < PROGRESS_EVERY_MS) return;
    last = now;
    onProgress(p);
  };
}

/** Plans, costs and validates one point of the sweep. */
export async function sweepPoint(request: SweepPointRequest, onProgress?: ProgressCallback): Promise<SweepPointResult> {
  const loaded = requireLoadedModel();
  const started = performance.now();
  onProgress?.({ stage: 'plan', fraction: 0, message: `Planning ${Math.round(request.keepMacs * 100)} % of the MACs (${request.allocation})` });
  const { plan, target } = await sweepPlan(loaded, request);
  const cost = await planCost({ ...plan, jobId: request.jobId });
  const { perImage: _perImage, ...report } = await validate({ ...request, plan }, onProgress && throttled(onProgress));
  const macsKept = cost.before.macs && cost.after.macs !== undefined ? cost.after.macs / cost.before.macs : target.reached;
  return { plan, macsKept, met: target.met, params: cost.after.params, report, seconds: (performance.now() - started) / 1000 };
}
