// Sensitivity: the metric drop of pruning each group alone at several ratios (core/score/sensitivity),
// on the given images, with progress and cancel. The full result stays here for the allocator.
// Optionally recovery-aware: each point is measured after a least-squares refit on the same images.
import { formatDuration } from '../../core/format-duration';
import { sensitivityRecovery } from '../../core/recover/recover';
import { analyseSensitivity, type SensitivityResult as CoreSensitivity } from '../../core/score/sensitivity';
import type { ProgressCallback, SensitivityRequest, SensitivityResult } from '../protocol';
import { imageSetKey } from './images';
import { abortedJobError, jobAbortSignal, JobError } from '../jobs';
import { requireLoadedModel, type LoadedModel } from './loaded-model';
import { analysisOf } from './pruning-cache';
import { taskOverridesOf } from './output-tasks';
import { imageBatches, scoresFor } from './scores';
import { jobRunner } from './job-runner';

/** Sensitivity uses at most this many images: each (group, ratio) pair runs the model on all of them. */
export const SENSITIVITY_IMAGES = 128;

const lastResult = new WeakMap<LoadedModel, CoreSensitivity>();
/** Finished runs per model, keyed by everything that changes the curves (sensitivityKey). */
const finished = new WeakMap<LoadedModel, Map<string, CoreSensitivity>>();
/** Runs kept per model: a plain and an lsq run of the same settings, and a few others. */
const KEPT_RUNS = 4;

/**
 * What a run's curves depend on. The recovery is part of it, so plain curves are never served for a
 * least-squares run or the other way round; so are the output tasks (they change the per-output drops).
 */
export function sensitivityKey(loaded: LoadedModel, request: Omit<SensitivityRequest, 'jobId'>): string {
  const images = imageSetKey(request.images.slice(0, SENSITIVITY_IMAGES));
  return JSON.stringify([request.criterion, request.ratios, request.recovery ?? 'none', request.preprocess, images, taskOverridesOf(loaded)]);
}

/** The last sensitivity result of the model, for the sensitivity-guided allocation. */
export function lastSensitivity(loaded: LoadedModel): CoreSensitivity | undefined {
  return lastResult.get(loaded);
}

/** Keeps `result` as the model's last sensitivity run (tests install curves measured in Node with it). */
export function rememberSensitivity(loaded: LoadedModel, result: CoreSensitivity): void {
  lastResult.set(loaded, result);
}

/** One curve per prunable group. */
export async function sensitivity(request: SensitivityRequest, onProgress?: ProgressCallback): Promise<SensitivityResult> {
  const loaded = requireLoadedModel();
  const { jobId } = request;
  const report = (stage: string, fraction: number, message: string) => onProgress?.({ stage, fraction, message });
  const images = request.images.slice(0, SENSITIVITY_IMAGES);
  if (images.length === 0) throw new JobError('internal', 'Sensitivity needs images.', 'Use the bundled samples (Validate tab) or upload a few labelled images.');
  const scores = await scoresFor(loaded, { jobId, criterion: request.criterion, images, preprocess: request.preprocess },
    (p) => report('score', 0.1 * p.fraction, p.message));
  const key = sensitivityKey(loaded, request);
  const runs = finished.get(loaded) ?? new Map<string, CoreSensitivity>();
  finished.set(loaded, runs);
  const cached = runs.get(key);
  if (cached) {
    // The same curves again (e.g. back from an lsq run to plain): they become the last run, which the
    // allocator reads with the scores fetched above.
    rememberSensitivity(loaded, cached);
    return toWire(cached);
  }
  const batches = await imageBatches(loaded, images, request.preprocess, jobId,
    (done) => report('decode', 0.1 + 0.05 * (done / images.length), `Preprocessing ${done}/${images.length} images`));
  const signal = jobAbortSignal(jobId);
  report('run', 0.15, 'Running the original model');
  const analysis = analysisOf(loaded);
  const tasks = taskOverridesOf(loaded);
  // The refit reads the same images as the measurement, as `prune --sensitivity-recover lsq` does.
  const recover = request.recovery && sensitivityRecovery(loaded.model, request.recovery, { runner: jobRunner(jobId), batches, tasks, signal }, analysis);
  const after = recover ? ' after least squares' : '';
  let result: CoreSensitivity;
  try {
    result = await analyseSensitivity(loaded.model, {
      runner: jobRunner(jobId), batches, scores, criterion: request.criterion, ratios: request.ratios, signal, tasks,
      ...(recover ? { recover } : {}),
      onProgress: (p) => {
        const left = p.done < p.total ? `, about ${formatDuration(p.secondsLeft)} left` : '';
        report('run', 0.15 + 0.85 * (p.done / p.total), `${p.group} at ${Math.round(p.ratio * 100)} %${after} (${p.done}/${p.total})${left}`);
      },
    }, analysis);
  } catch (err) {
    if (signal.aborted) throw abortedJobError();
    throw err;
  }
  if (signal.aborted) throw abortedJobError();
  rememberSensitivity(loaded, result);
  runs.delete(key);
  runs.set(key, result);
  if (runs.size > KEPT_RUNS) runs.delete(runs.keys().next().value!);
  return toWire(result);
}

/** What the page gets: drops only (costs and the baseline stay in the worker). */
function toWire(result: CoreSensitivity): SensitivityResult {
  return {
    ratios: result.ratios,
    metric: result.metric,
    ...(result.recovery ? { recovery: result.recovery } : {}),
    curves: Object.fromEntries(Object.entries(result.curves).map(([id, c]) => [id, c.drop])),
    ...(result.outputs ? {
      outputs: result.outputs,
      perOutput: Object.fromEntries(Object.entries(result.curves).flatMap(([id, c]) => (c.perOutput ? [[id, c.perOutput]] : []))),
    } : {}),
  };
}
