// Task kinds of the loaded model's outputs (class, dense, segmentation): detected from shape and
// producer by core/score/loss-task.ts, overridable from the page. Scoring, plans, sensitivity and
// validation read the overrides from here, so a kind chosen in the studio reaches every job.
import { resolveTasks, type TaskKind } from '../../core/score/loss-task';
import type { GraphIR } from '../../core/graph/ir';
import type { ShapeResult } from '../../core/graph/shapes';
import type { OutputTask } from '../protocol';
import { JobError } from '../jobs';
import { requireLoadedModel, type LoadedModel } from './loaded-model';
import { clearScores } from './pruning-cache';

const overridesByModel = new WeakMap<LoadedModel, Record<string, TaskKind>>();
/** Per-output scores of loss-driven criteria, per criterion (the heatmaps' per-task rows). */
const perOutputByModel = new WeakMap<LoadedModel, Map<string, Map<string, Map<string, Float64Array>>>>();

/** Every output with its detected kind (and the override, when given). */
export function describeOutputTasks(ir: GraphIR, shapes: ShapeResult, overrides: Readonly<Record<string, TaskKind>> = {}): OutputTask[] {
  const detected = resolveTasks(ir, shapes);
  const used = resolveTasks(ir, shapes, overrides);
  return [...detected].map(([name, kind]) => ({ name, detected: kind, kind: used.get(name) ?? kind }));
}

/** The overrides chosen for the loaded model (empty: every output as detected). */
export function taskOverridesOf(loaded: LoadedModel): Record<string, TaskKind> {
  return overridesByModel.get(loaded) ?? {};
}

/** Replaces the overrides; scores computed with the old kinds are dropped. */
export function setOutputTasks(overrides: Record<string, TaskKind>): OutputTask[] {
  const loaded = requireLoadedModel();
  const outputs = new Set(loaded.ir.outputs);
  for (const name of Object.keys(overrides)) {
    if (!outputs.has(name)) throw new JobError('internal', `The model has no output "${name}".`, `Outputs: ${[...outputs].join(', ')}`);
  }
  overridesByModel.set(loaded, { ...overrides });
  clearScores(loaded);
  perOutputByModel.delete(loaded);
  return describeOutputTasks(loaded.ir, loaded.shapes, overrides);
}

export function cachedPerOutput(loaded: LoadedModel, criterion: string): Map<string, Map<string, Float64Array>> | undefined {
  return perOutputByModel.get(loaded)?.get(criterion);
}

export function storePerOutput(loaded: LoadedModel, criterion: string, perOutput: Map<string, Map<string, Float64Array>>): void {
  let m = perOutputByModel.get(loaded);
  if (!m) perOutputByModel.set(loaded, (m = new Map()));
  m.set(criterion, perOutput);
}
