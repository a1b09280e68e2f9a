// The Trade-offs sweep as data: what a sweep asks for (MACs targets × series of criterion and
// allocation), the points it measured, the Pareto front among them, and the time-left estimate.
// Pure (no DOM, no store), so the panel, the chart, the report and the tests share it.
import type { GlobalMode, PlanInput, RecoveryMethod } from '../../workers/protocol';
import type { SweepMeasure } from '../validation-measures';

/** Keep 90 … 30 % of the MACs, the tab's default targets (percent of the unpruned model's MACs). */
export const DEFAULT_TARGETS = [90, 80, 70, 60, 50, 40, 30];

/** A line of the chart: one criterion ranking channels, one way of sharing the cut among groups. */
export interface SweepSeries {
  id: string;
  allocation: GlobalMode;
  /** Criterion asked for (the worker may rank with a stand-in: the points' plans say which). */
  criterion: string;
  label: string;
}

export interface SweepPoint {
  series: string;
  /** MACs fraction asked for. */
  target: number;
  /** MACs fraction the plan keeps (after / before). */
  macsKept: number;
  /** Top-1 accuracy on labelled images; undefined when some image has no label. */
  accuracy?: number;
  /** Top-1 agreement with the unpruned model; for a model without class output, its sweep measure (SweepResult.measure). */
  agreement: number;
  /** Median ms per image of the pruned model, measured during validation. */
  latencyMs: number;
  params: number;
  /** The studio plan a click loads. */
  plan: PlanInput;
  /** False when the allocation could not reach the target (the point keeps more). */
  met: boolean;
  seconds: number;
}

/** A sweep's results so far (a cancelled sweep keeps the points done). */
export interface SweepResult {
  series: SweepSeries[];
  targets: number[];
  points: SweepPoint[];
  /** Points asked for (targets × series). */
  total: number;
  /** The unpruned model on the same images (from the first point's validation). */
  baseline?: { accuracy?: number; latencyMs: number };
  recovery: RecoveryMethod;
  images: number;
  backend?: string;
  /** How the sweep ended: still running, done, cancelled or failed (with why). */
  state: 'running' | 'done' | 'cancelled' | 'failed';
  error?: string;
  /** A model without class output (segmentation, dense): what `agreement` holds (mIoU, cosine similarity). */
  measure?: SweepMeasure;
}

export type SweepMetric = 'accuracy' | 'agreement';

const ALLOCATION_NAMES: Record<GlobalMode, string> = { uniform: 'uniform', global: 'global ranking', sensitivity: 'sensitivity' };

/** "L1 · uniform". */
export function seriesLabel(allocation: GlobalMode, criterionName: string): string {
  return `${criterionName} · ${ALLOCATION_NAMES[allocation]}`;
}

/** Every (criterion, allocation) pair asked for, criteria first. */
export function sweepSeries(criteria: readonly { id: string; name: string }[], allocations: readonly GlobalMode[]): SweepSeries[] {
  return criteria.flatMap((c) => allocations.map((allocation) => ({ id: `${allocation}:${c.id}`, allocation, criterion: c.id, label: seriesLabel(allocation, c.name) })));
}

/** The criteria a sweep runs: the ticked ones, else the studio's current criterion. */
export function sweepCriteriaOf(ticked: readonly string[], current: string, criteria: readonly { id: string; name: string }[]): { id: string; name: string }[] {
  return (ticked.length ? ticked : [current]).map((id) => ({ id, name: criteria.find((c) => c.id === id)?.name ?? id }));
}

/** A sweep with no point yet: what a sweep starts from, and the chart's frame before one runs. */
export function emptySweep(series: SweepSeries[], targets: number[], recovery: RecoveryMethod): SweepResult {
  return { series, targets, points: [], total: series.length * targets.length, recovery, images: 0, state: 'running' };
}

/** The points in the order they are run: one series after the other, least pruned first. */
export function sweepOrder(series: readonly SweepSeries[], targets: readonly number[]): { series: SweepSeries; target: number }[] {
  const sorted = [...targets].sort((a, b) => b - a);
  return series.flatMap((s) => sorted.map((target) => ({ series: s, target })));
}

/**
 * Targets typed as percents of the MACs to keep ("90, 80 70"): each in 1 … 99, duplicates dropped,
 * highest first; a bad entry is an error naming it.
 */
export function parseTargets(text: string): { targets: number[] } | { error: string } {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  if (parts.length === 0) return { error: 'Enter at least one MACs target, e.g. 90, 70, 50.' };
  const out = new Set<number>();
  for (const p of parts) {
    const v = Number(p.replace(/%$/, ''));
    if (!Number.isFinite(v) || v < 1 || v > 99) return { error: `“${p}” is not a MACs target: enter percents of the MACs to keep, between 1 and 99.` };
    out.add(Math.round(v));
  }
  return { targets: [...out].sort((a, b) => b - a) };
}

/** Accuracy when every point has it (labelled images), agreement with the unpruned model otherwise. */
export function sweepMetric(points: readonly SweepPoint[]): SweepMetric {
  return points.length > 0 && points.every((p) => p.accuracy !== undefined) ? 'accuracy' : 'agreement';
}

export function metricOf(p: SweepPoint, metric: SweepMetric): number {
  return metric === 'accuracy' ? p.accuracy ?? 0 : p.agreement;
}

/**
 * Indices of the points no other point beats: none keeps fewer or equal MACs with an equal or
 * better metric, better in one of the two. Sorted by MACs kept, ascending (the front's line).
 */
export function paretoFront(points: readonly { x: number; y: number }[]): number[] {
  const dominated = (p: { x: number; y: number }) => points.some((q) => q.x <= p.x && q.y >= p.y && (q.x < p.x || q.y > p.y));
  return points.map((p, i) => ({ p, i })).filter(({ p }) => !dominated(p)).sort((a, b) => a.p.x - b.p.x || b.p.y - a.p.y).map(({ i }) => i);
}

/**
 * Milliseconds the sweep still needs: the mean of the last three points' durations for each point
 * left (the first point also scores channels and starts sessions, so recent ones predict better),
 * less the time the point in flight has already run. Undefined before a point is done.
 */
export function timeLeftMs(doneMs: readonly number[], remaining: number, currentElapsedMs = 0): number | undefined {
  if (remaining <= 0) return 0;
  if (doneMs.length === 0) return undefined;
  const recent = doneMs.slice(-3);
  const perPoint = recent.reduce((a, b) => a + b, 0) / recent.length;
  return Math.max(0, perPoint * remaining - Math.min(currentElapsedMs, perPoint));
}

/** "about 12 s", "about 2 min 5 s", "under a second". */
export function formatTimeLeft(ms: number | undefined): string {
  if (ms === undefined) return 'estimating time left…';
  if (ms < 1000) return 'under a second left';
  const s = Math.round(ms / 1000);
  return s < 60 ? `about ${s} s left` : `about ${Math.floor(s / 60)} min ${s % 60} s left`;
}

/** What a point's button says to a screen reader and its tooltip ("L1 · uniform: 50.1 % of MACs, accuracy 88.3 %, 0.42 ms per image"). */
export function pointDescription(p: SweepPoint, seriesName: string, metric: SweepMetric, onFront: boolean, measure?: SweepMeasure): string {
  const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
  return `${seriesName}: ${pct(p.macsKept)} of MACs, ${measure?.name ?? metric} ${pct(metricOf(p, metric))}, ${p.latencyMs.toFixed(2)} ms per image${onFront ? ', on the Pareto front' : ''}${p.met ? '' : ' (target not reached)'}`;
}
