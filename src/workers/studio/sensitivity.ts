// Sensitivity: the metric drop of pruning each group alone at several ratios (core/score/sensitivity),
// on the given images, with progress and cancel. The full result stays here for the allocator.
import { formatDuration } from '../../core/format-duration';
import { analyseSensitivity, type SensitivityResult as CoreSensitivity } from '../../core/score/sensitivity';
import type { ProgressCallback, SensitivityRequest, SensitivityResult } from '../protocol';
import { abortedJobError, jobAbortSignal, JobError } from '../jobs';
import { requireLoadedModel, type LoadedModel } from './loaded-model';
import { analysisOf } from './pruning-cache';
import { taskOverridesOf } from './output-tasks';
import { imageBatches, jobRunner, scoresFor } from './scores';

/** Sensitivity uses at most this many images: each (group, ratio) pair runs the model on all of them. */
export const SENSITIVITY_IMAGES = 128;

const lastResult = new WeakMap<LoadedModel, CoreSensitivity>();

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
  const batches = await imageBatches(loaded, images, request.preprocess, jobId,
    (done) => report('decode', 0.1 + 0.05 * (done / images.length), `Preprocessing ${done}/${images.length} images`));
  const signal = jobAbortSignal(jobId);
  report('run', 0.15, 'Running the original model');
  let result: CoreSensitivity;
  try {
    result = await analyseSensitivity(loaded.model, {
      runner: jobRunner(jobId), batches, scores, criterion: request.criterion, ratios: request.ratios, signal, tasks: taskOverridesOf(loaded),
      onProgress: (p) => {
        const left = p.done < p.total ? `, about ${formatDuration(p.secondsLeft)} left` : '';
        report('run', 0.15 + 0.85 * (p.done / p.total), `${p.group} at ${Math.round(p.ratio * 100)} % (${p.done}/${p.total})${left}`);
      },
    }, analysisOf(loaded));
  } catch (err) {
    if (signal.aborted) throw abortedJobError();
    throw err;
  }
  rememberSensitivity(loaded, result);
  return {
    ratios: result.ratios,
    metric: result.metric,
    curves: Object.fromEntries(Object.entries(result.curves).map(([id, c]) => [id, c.drop])),
    ...(result.outputs ? {
      outputs: result.outputs,
      perOutput: Object.fromEntries(Object.entries(result.curves).flatMap(([id, c]) => (c.perOutput ? [[id, c.perOutput]] : []))),
    } : {}),
  };
}
