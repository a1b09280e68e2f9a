// Channel scores per group for the heatmaps, and the criteria the switcher offers. Data criteria
// run the model (and generated sub-models) on the calibration images with onnxruntime-web.
import { CRITERIA, criterionInfo, DEFAULT_SCORE_IMAGES, scoreGroups as coreScoreGroups, scoreImages } from '../../core/score/criteria';
import type { ImageBatch } from '../../core/score/images';
import type { CriterionInfo, GroupScores, ImageInput, PreprocessSpec, ProgressCallback, ScoreRequest } from '../protocol';
import { abortedJobError, jobAbortSignal, JobError } from '../jobs';
import { modelInput, preprocessBatches } from './images';
import { requireLoadedModel, type LoadedModel } from './loaded-model';
import { cachedPerOutput, storePerOutput, taskOverridesOf } from './output-tasks';
import { analysisOf, cachedScores, channelOrderOf, setChannelOrder, storeScores } from './pruning-cache';
import { jobRunner } from './job-runner';

/** Images per scoring batch (activation statistics fold batch by batch). */
const SCORE_BATCH = 32;
/** The gates' Taylor importance and refit read at most this many images per pass in the browser (scoring reads each criterion's own count). */
export const SCORE_IMAGES = DEFAULT_SCORE_IMAGES;
/** Recovery (and compress-data.ts's calibration) uses at most this many images (the core default is 512; the browser is slower). */
export const RECOVERY_IMAGES = 256;

/** The criteria with their one-line explanations. */
export function listCriteria(): CriterionInfo[] {
  // Only the data: a criterion's `score` function cannot cross the worker boundary.
  return CRITERIA.map(({ id, name, description, needsImages }) => ({ id, name, description, needsImages }));
}

/** Preprocessed image batches as core scoring wants them. */
export async function imageBatches(loaded: LoadedModel, images: ImageInput[], spec: PreprocessSpec, jobId: number, onImage?: (done: number) => void): Promise<ImageBatch[]> {
  const input = modelInput(loaded);
  const batches = await preprocessBatches(images, spec, SCORE_BATCH, jobId, onImage, input);
  return batches.map((b) => ({
    feeds: { [input.name]: b.tensor },
    ...(b.labels.every((l) => l !== undefined) ? { labels: b.labels as number[] } : {}),
  }));
}

/** Scores of `criterion` for every prunable group (cached per model and criterion). */
export async function scoresFor(loaded: LoadedModel, request: ScoreRequest, onProgress?: ProgressCallback): Promise<Map<string, Float64Array>> {
  const { criterion, jobId } = request;
  const cached = cachedScores(loaded, criterion);
  if (cached) return cached;
  const info = criterionInfo(criterion);
  const orderBy = channelOrderOf(loaded);
  const needsImages = info.needsImages || (orderBy !== undefined && criterionInfo(orderBy).needsImages);
  const report = (fraction: number, message: string) => onProgress?.({ stage: 'score', fraction, message });
  const analysis = analysisOf(loaded);
  let batches: ImageBatch[] | undefined;
  if (needsImages) {
    if (!request.images?.length || !request.preprocess) {
      throw new JobError('internal', `${info.name} needs images, and none were given.`, 'Choose a weight criterion (L1, L2), or provide calibration images.');
    }
    // The criterion's own count (Taylor reads thousands: its per-image estimate is noisy), as the CLI.
    const images = request.images.slice(0, Math.max(scoreImages(criterion), orderBy ? scoreImages(orderBy) : 0));
    batches = await imageBatches(loaded, images, request.preprocess, jobId, (done) => report(0.2 * (done / images.length), `Preprocessing ${done}/${images.length} images`));
  }
  const signal = jobAbortSignal(jobId);
  report(0.2, `Scoring channels: ${info.name}`);
  let result: Awaited<ReturnType<typeof coreScoreGroups>>;
  try {
    result = await coreScoreGroups(loaded.model, criterion, {
      tasks: taskOverridesOf(loaded),
      runner: jobRunner(jobId), batches, signal, orderBy,
      onProgress: (done, total) => report(0.2 + 0.8 * (done / Math.max(1, total)), `${info.name}: ${done}/${total}`),
    }, analysis);
  } catch (err) {
    if (signal.aborted) throw abortedJobError();
    throw err;
  }
  if (signal.aborted) throw abortedJobError();
  storeScores(loaded, criterion, result.scores);
  if (result.perOutput) storePerOutput(loaded, criterion, result.perOutput);
  return result.scores;
}

/** Scores every prunable group's channels with `request.criterion` (float32 for the wire). */
export async function scoreGroups(request: ScoreRequest, onProgress?: ProgressCallback): Promise<GroupScores> {
  const loaded = requireLoadedModel();
  if (request.orderBy !== undefined) criterionInfo(request.orderBy);
  setChannelOrder(loaded, request.orderBy);
  const scores = await scoresFor(loaded, request, onProgress);
  const orderedBy = channelOrderOf(loaded);
  const wire = (m: Map<string, Float64Array>) => Object.fromEntries([...m].map(([id, s]) => [id, Float32Array.from(s)]));
  const perOutput = cachedPerOutput(loaded, request.criterion);
  return { criterion: request.criterion, ...(orderedBy && orderedBy !== request.criterion ? { orderedBy } : {}), scores: wire(scores), ...(perOutput ? { perOutput: Object.fromEntries([...perOutput].map(([o, m]) => [o, wire(m)])) } : {}) };
}
