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
  /** The criterion that orders channels within groups in every cached score (ScoreRequest.orderBy). */
  orderBy?: string;
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

/** Drops what was derived from the tensor shapes (analysis, metrics, cost model) after they change; scores stay. */
export function forgetShapeDependents(loaded: LoadedModel): void {
  const c = cacheOf(loaded);
  c.analysis = undefined;
  c.metrics = undefined;
  c.costModel = undefined;
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

/** The within-group order of this model's scores (undefined: each criterion's own). */
export function channelOrderOf(loaded: LoadedModel): string | undefined {
  return cacheOf(loaded).orderBy;
}

/** Sets the within-group order of this model's scores; scores computed in another order are forgotten. */
export function setChannelOrder(loaded: LoadedModel, orderBy: string | undefined): void {
  const c = cacheOf(loaded);
  if (c.orderBy === orderBy) return;
  c.orderBy = orderBy;
  c.scores.clear();
}

/** Forgets every criterion's scores (the outputs' task kinds changed). */
export function clearScores(loaded: LoadedModel): void {
  cacheOf(loaded).scores.clear();
}

// WASM threads for the sessions this worker opens (scoring, sensitivity, recovery, validation).
// Unset, runtime/wasm-threads.ts decides: min(4, cores − 1) when the page is cross-origin isolated,
// so the page keeps a core (1 thread, with that reason, on a 2-core machine). This was fixed at 1,
// blamed on pthread workers started per session. Measured again (Chromium traces, docs/runtime.md):
// onnxruntime-web starts its pthread workers once and every session shares that global pool;
// nothing of it runs on the main thread. The 107–244 ms long tasks were main-thread tasks of
// 14–28 ms CPU left waiting while the worker and its (spinning) pthread held both cores, and
// 2 threads validated no faster there (0.88–0.95×, bench/wasm-threads.bench.ts).
let requestedWasmThreads: number | undefined;

/** Fixes this worker's WASM thread count (the page's ?threads=N); only effective before the first session. */
export function requestWasmThreads(threads: number | undefined): void {
  requestedWasmThreads = threads;
}

/** Threads to ask sessions for: the page's request, or undefined for wasm-threads.ts's default. */
export function workerWasmThreads(): number | undefined {
  return requestedWasmThreads;
}
