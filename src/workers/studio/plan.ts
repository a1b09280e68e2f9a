// Plan cost (params/MACs/bytes before → after), the global ratio control, and the pruned model a
// plan produces (validation and export both start from it).
import { buildGraph } from '../../core/graph/ir';
import { computeMetrics, type ModelMetrics } from '../../core/metrics/model-metrics';
import { MAC_OPS } from '../../core/metrics/macs';
import { costOfPlan, layerMacsOfPlan, type LayerMacs } from '../../core/metrics/plan-cost';
import { encodeModel } from '../../core/onnx/codec';
import type { ModelProto } from '../../core/onnx/proto';
import { applyPlan } from '../../core/prune/apply';
import { planFromRatios } from '../../core/prune/allocate-plan';
import { globalRanking as rankGlobally } from '../../core/prune/global-ranking';
import type { PrunePlan } from '../../core/prune/plan';
import { criterionInfo } from '../../core/score/criteria';
import type { GlobalPlanRequest, GlobalPlanResult, ModelCost, PlanCost, PlanInput } from '../protocol';
import { JobError } from '../jobs';
import { requireLoadedModel, runnableBytes, type LoadedModel } from './loaded-model';
import { analysisOf, cachedScores, costModelOf, metricsOf } from './pruning-cache';
import { scoresFor } from './scores';

/** Ratios above this would leave layers with a channel or two: the sliders stop here. */
export const MAX_RATIO = 0.95;

/** A stable key of a plan (pruned models are cached by it). */
export function planKey(loaded: LoadedModel, plan: PlanInput): string {
  const ratios = Object.entries(plan.ratios).filter(([, r]) => r > 0).sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify([loaded.summary.modelHash, plan.criterion, plan.roundTo, ratios]);
}

/**
 * The criterion that really ranks channels for `criterion`: itself, except a data criterion not
 * scored yet, for which weight L2 stands in (deliberately: a plan must cost and export without a
 * scoring run over images first; the heatmap starts that run, and the Ratios tab says L2 stands
 * in until it ends). An unknown criterion is an error naming the valid ones.
 */
export function rankingCriterion(loaded: LoadedModel, criterion: string): string {
  if (cachedScores(loaded, criterion)) return criterion;
  let info: ReturnType<typeof criterionInfo>;
  try {
    info = criterionInfo(criterion);
  } catch (err) {
    throw new JobError('internal', `${(err as Error).message}.`, 'Pick a criterion in the Heatmaps tab.');
  }
  return info.needsImages ? DATA_CRITERION_STAND_IN : criterion;
}

/** Ranks the channels of a data criterion until its scores exist (see rankingCriterion). */
const DATA_CRITERION_STAND_IN = 'l2';

/** Scores that decide which channels a ratio removes (see rankingCriterion). */
async function rankingScores(loaded: LoadedModel, criterion: string, jobId: number): Promise<{ scores: Map<string, Float64Array>; criterion: string }> {
  const usable = rankingCriterion(loaded, criterion);
  return { scores: await scoresFor(loaded, { jobId, criterion: usable }), criterion: usable };
}

/** The core plan for the UI's ratios. */
export async function corePlan(loaded: LoadedModel, plan: PlanInput, jobId: number): Promise<PrunePlan> {
  const { scores, criterion } = await rankingScores(loaded, plan.criterion, jobId);
  const known = new Set(analysisOf(loaded).groups.map((g) => g.id));
  // Ratios of groups this model does not have (a plan saved for another model) are ignored.
  const ratios = Object.fromEntries(Object.entries(plan.ratios).filter(([id, r]) => known.has(id) && r > 0));
  try {
    return planFromRatios(loaded.model, analysisOf(loaded), scores, ratios, criterion, plan.roundTo);
  } catch (err) {
    throw new JobError('internal', `Could not build the pruning plan: ${(err as Error).message}.`, 'Reset the ratios and try again.');
  }
}

let lastPruned: { key: string; model: ModelProto; plan: PrunePlan } | undefined;

/** The pruned model of `plan` (cached for the last plan: validate, then export, reuse it). */
export async function prunedModel(loaded: LoadedModel, plan: PlanInput, jobId: number): Promise<{ key: string; model: ModelProto; plan: PrunePlan }> {
  // Keyed by the criterion that really ranks: a data criterion falls back to L2 until it is scored,
  // and that stand-in must not be served once the real scores exist.
  const ranking = rankingCriterion(loaded, plan.criterion);
  const key = planKey(loaded, { ...plan, criterion: ranking });
  if (lastPruned?.key === key) return lastPruned;
  const p = await corePlan(loaded, plan, jobId);
  let model: ModelProto;
  try {
    model = Object.keys(p.groups).length === 0 ? loaded.model : applyPlan(loaded.model, p, analysisOf(loaded));
  } catch (err) {
    throw new JobError('internal', `Pruning failed: ${(err as Error).message}.`, 'Lower the ratio of the group named in the message, or lock it at 0 %.');
  }
  lastPruned = { key, model, plan: p };
  return lastPruned;
}

/** Encoded bytes of a (pruned) model; the original's runnable bytes when nothing was pruned. */
export function modelBytes(loaded: LoadedModel, model: ModelProto): Uint8Array {
  return model === loaded.model ? runnableBytes(loaded) : encodeModel(model);
}

function cost(m: ModelMetrics): ModelCost {
  return { params: m.params, bytes: m.bytes, ...(m.macsUnknown.length && !m.macs ? {} : { macs: m.macs }) };
}

/** What the plan costs and keeps. */
export async function planCost(request: PlanInput & { jobId: number }): Promise<PlanCost> {
  const loaded = requireLoadedModel();
  const before = metricsOf(loaded);
  const { plan, after, layers } = await costedPlan(loaded, request);
  return {
    before: cost(before),
    after,
    keep: Object.fromEntries(Object.entries(plan.groups).map(([id, g]) => [id, g.keep])),
    planJson: JSON.stringify(plan, null, 2),
    layers,
  };
}

/** The MAC layers of measured metrics, as layerMacsOfPlan lists them. */
function measuredLayers(m: ModelMetrics): LayerMacs[] {
  return m.nodes.filter((n) => MAC_OPS.has(n.opType)).map((n) => ({ node: n.id, ...(n.macs === null ? {} : { macs: n.macs }) }));
}

/**
 * The plan and its pruned model's cost, counted from the kept channels (core/metrics/plan-cost:
 * a few ms on ResNet-50, where applying the plan takes ~0.4 s per slider change). Plans that
 * cannot be counted so (lossless ones) are applied and measured; validate and export apply anyway.
 */
async function costedPlan(loaded: LoadedModel, request: PlanInput & { jobId: number }): Promise<{ plan: PrunePlan; after: ModelCost; layers: LayerMacs[] }> {
  const plan = await corePlan(loaded, request, request.jobId);
  if (Object.keys(plan.groups).length === 0) return { plan, after: cost(metricsOf(loaded)), layers: measuredLayers(metricsOf(loaded)) };
  const costModel = costModelOf(loaded);
  let totals: ReturnType<typeof costOfPlan>;
  try {
    totals = costModel && costOfPlan(costModel, plan);
  } catch (err) {
    throw new JobError('internal', `Pruning failed: ${(err as Error).message}.`, 'Lower the ratio of the group named in the message, or lock it at 0 %.');
  }
  if (totals) {
    const after = { params: totals.params, bytes: totals.bytes, ...(totals.macsUnknown && !totals.macs ? {} : { macs: totals.macs }) };
    return { plan, after, layers: layerMacsOfPlan(costModel!, plan)! };
  }
  const pruned = await prunedModel(loaded, request, request.jobId);
  const measured = pruned.model === loaded.model ? metricsOf(loaded) : computeMetrics(buildGraph(pruned.model));
  return { plan: pruned.plan, after: cost(measured), layers: measuredLayers(measured) };
}

/** Ratios for the unlocked prunable groups from the global control (locked groups keep theirs). */
export async function globalPlan(request: GlobalPlanRequest & { jobId: number }): Promise<GlobalPlanResult> {
  const loaded = requireLoadedModel();
  const target = Math.min(MAX_RATIO, Math.max(0, request.target));
  const free = analysisOf(loaded).groups.filter((g) => g.prunable && !(g.id in request.locked));
  if (request.mode === 'uniform') return { ratios: Object.fromEntries(free.map((g) => [g.id, target])) };
  if (request.mode === 'global') {
    const { scores } = await rankingScores(loaded, request.criterion, request.jobId);
    return { ratios: globalRanking(free.map((g) => ({ id: g.id, scores: scores.get(g.id) ?? new Float64Array(g.channels).fill(1) })), target) };
  }
  const { allocateBySensitivity } = await import('./allocate');
  return allocateBySensitivity(loaded, request, free.map((g) => g.id));
}

/**
 * Global ranking: all free channels ranked together by their (per-group normalised) score; the
 * lowest `target` share is removed, so each group's ratio is its share of channels below the cut
 * (core/prune/global-ranking, which `prune --keep-macs --allocate global` searches on the cost).
 */
export function globalRanking(groups: { id: string; scores: ArrayLike<number> }[], target: number): Record<string, number> {
  const total = groups.reduce((s, g) => s + g.scores.length, 0);
  return rankGlobally(groups, Math.floor(total * target), MAX_RATIO);
}
