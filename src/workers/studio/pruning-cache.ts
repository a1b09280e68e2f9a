// Per-model caches of the pruning work: the channel analysis, the scores of each criterion and
// the original model's metrics. Keyed by the LoadedModel object, so loading another model drops them.
import { analyseChannels, type ChannelAnalysis } from '../../core/graph/channels/analyse';
import { computeMetrics, type ModelMetrics } from '../../core/metrics/model-metrics';
import { planCostModel, type PlanCostModel } from '../../core/metrics/plan-cost';
import type { LoadedModel } from './loaded-model';

interface ModelCache {
  analysis?: ChannelAnalysis;
  metrics?: ModelMetrics;
  /** null: this model's plans cannot be costed without applying them. */
  costModel?: PlanCostModel | null;
  scores: Map<string, Map<string, Float64Array>>;
}

const caches = new WeakMap<LoadedModel, ModelCache>();

function cacheOf(loaded: LoadedModel): ModelCache {
  let c = caches.get(loaded);
  if (!c) caches.set(loaded, (c = { scores: new Map() }));
  return c;
}

/** The channel dependency analysis of the model (computed once). */
export function analysisOf(loaded: LoadedModel): ChannelAnalysis {
  const c = cacheOf(loaded);
  c.analysis ??= analyseChannels(loaded.ir, loaded.shapes);
  return c.analysis;
}

/** Params/MACs/bytes of the original model (computed once). */
export function metricsOf(loaded: LoadedModel): ModelMetrics {
  const c = cacheOf(loaded);
  c.metrics ??= computeMetrics(loaded.ir, loaded.shapes);
  return c.metrics;
}

/** What re-costs a plan without applying it (computed once); undefined where plans must be applied to be costed. */
export function costModelOf(loaded: LoadedModel): PlanCostModel | undefined {
  const c = cacheOf(loaded);
  c.costModel ??= planCostModel(analysisOf(loaded)) ?? null;
  return c.costModel ?? undefined;
}

/** Scores of `criterion` computed earlier, if any. */
export function cachedScores(loaded: LoadedModel, criterion: string): Map<string, Float64Array> | undefined {
  return cacheOf(loaded).scores.get(criterion);
}

/** Remembers scores (the plan uses the heatmap's criterion to choose channels). */
export function storeScores(loaded: LoadedModel, criterion: string, scores: Map<string, Float64Array>): void {
  cacheOf(loaded).scores.set(criterion, scores);
}

/** Forgets every criterion's scores (the outputs' task kinds changed). */
export function clearScores(loaded: LoadedModel): void {
  cacheOf(loaded).scores.clear();
}

/**
 * WASM threads for sessions created inside the studio worker: 1. Threaded WASM would start
 * pthread workers from this worker, and in Chromium that cost 107–156 ms main-thread long tasks
 * per session (measured in e2e/prune-flow.spec.ts; none with 1 thread), breaking the page's
 * "never blocks > 100 ms" promise. Original and pruned run alike, so speedups stay fair.
 */
export const WORKER_WASM_THREADS = 1;
