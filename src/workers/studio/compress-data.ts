// Calibration for the Rank and Sparsity tabs' data-aware options (compress.ts): the images the page
// sends (the Validate tab's choice, at most RECOVERY_IMAGES), preprocessed once per model and image
// set, and opened with the job's runner and abort signal — so whitening, Taylor importance and the
// refits are cancellable and report progress like the channel criteria do.
import type { CalibrationContext } from '../../core/compress/lowrank-data';
import type { ImportanceProvider } from '../../core/compress/plan-compress';
import { weightTaylorImportance } from '../../core/compress/sparse-importance';
import type { ImageBatch } from '../../core/score/images';
import { abortedJobError, jobAbortSignal, JobError } from '../jobs';
import type { CompressCalibration, ProgressCallback } from '../protocol';
import { imageSetKey, modelInput, preprocessBatches } from './images';
import type { LoadedModel } from './loaded-model';
import { taskOverridesOf } from './output-tasks';
import { RECOVERY_IMAGES } from './scores';
import { jobRunner } from './job-runner';

/**
 * Images per batch: as the CLI's Taylor importance (cli/data/taylor-importance.ts) — one squared
 * gradient per batch, so more batches estimate better — which also lets `prune --plan --images`
 * replay a Taylor plan on the same images to the same masks.
 */
export const CALIBRATION_BATCH = 8;

/** Identifies an image set and its preprocessing (what the decoded batches depend on). */
export function calibrationKey(calibration: CompressCalibration | undefined): string {
  if (!calibration?.images.length) return '';
  return JSON.stringify([calibration.preprocess, imageSetKey(calibration.images.slice(0, RECOVERY_IMAGES))]);
}

let lastBatches: { loaded: LoadedModel; key: string; batches: ImageBatch[] } | undefined;

/**
 * The calibration context for job `jobId`; refused, saying where to choose images, when none were
 * given (`what` names the option that needs them).
 */
export async function calibrationContext(loaded: LoadedModel, calibration: CompressCalibration | undefined, jobId: number, what: string, onProgress?: ProgressCallback): Promise<CalibrationContext & { images: number; key: string }> {
  if (!calibration?.images.length) {
    throw new JobError('refused', `${what} needs calibration images, and none are chosen.`, 'Choose images in the Validate tab (the bundled samples or your own), or turn the option off.');
  }
  const key = calibrationKey(calibration);
  const images = calibration.images.slice(0, RECOVERY_IMAGES);
  if (lastBatches?.loaded !== loaded || lastBatches.key !== key) {
    const input = modelInput(loaded);
    const raw = await preprocessBatches(images, calibration.preprocess, CALIBRATION_BATCH, jobId,
      (done) => onProgress?.({ stage: 'decode', fraction: 0.1 * (done / images.length), message: `Preprocessing ${done}/${images.length} calibration images` }), input);
    const batches = raw.map((b) => ({ feeds: { [input.name]: b.tensor }, ...(b.labels.every((l) => l !== undefined) ? { labels: b.labels as number[] } : {}) }));
    lastBatches = { loaded, key, batches };
  }
  return { runner: jobRunner(jobId), batches: lastBatches.batches, signal: jobAbortSignal(jobId), images: images.length, key };
}

/** Taylor importance per output (DiSparse), as `sparsify --criterion taylor`, on the model it is given. */
export function taylorProvider(loaded: LoadedModel, ctx: CalibrationContext, onProgress?: (done: number, total: number) => void): ImportanceProvider {
  return (model, weights) => weightTaylorImportance(model, weights, { runner: ctx.runner, batches: ctx.batches, signal: ctx.signal, onProgress }, model.graph!.output.map((o) => o.name), taskOverridesOf(loaded));
}

/** Runs `fn`; a failure after the job was cancelled is reported as the cancel it is. */
export async function unlessCancelled<T>(ctx: Pick<CalibrationContext, 'signal'> | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (ctx?.signal?.aborted) throw abortedJobError();
    throw err;
  }
}
