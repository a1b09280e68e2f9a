// The model that validation and export both start from: the loaded model pruned with the plan,
// then recovered on the calibration images when asked (core/recover: BN recalibration, bias
// correction or least squares). One function, so what is validated is what is exported.
import type { ModelProto } from '../../core/onnx/proto';
import type { PrunePlan } from '../../core/prune/plan';
import { describeRecoveryLoss, recoverPruned } from '../../core/recover/recover';
import type { TrainingSummary } from '../../core/recover/distill';
import { DEFAULT_DISTILL_SETTINGS } from '../../core/train/distill';
import type { ExportRequest, ImageInput, Progress, TrainingEvent } from '../protocol';
import { abortedJobError, checkpoint, jobAbortSignal, JobError } from '../jobs';
import type { LoadedModel } from './loaded-model';
import { learntModel } from './gates';
import { prunedModel } from './plan';
import { analysisOf } from './pruning-cache';
import { placeNote, trainingPlace, type TrainingPlace } from './training-place';
import { imageBatches, RECOVERY_IMAGES } from './scores';
import { jobRunner } from './job-runner';
import { trainingControl } from './training-control';
import { compressModel } from './compress';

export { RECOVERY_IMAGES } from './scores';

/** What building the pruned model needs: an export request's fields (validation passes its own). */
export type PrepareRequest = ExportRequest;

export interface PreparedModel {
  model: ModelProto;
  plan: PrunePlan;
  /** What recovery did ("lsq on 256 images: calibration KL 0.31 → 0.12"), when it ran. */
  recoveryNote?: string;
  /** What low rank / sparsity did (compress.ts), when asked. */
  compressNote?: string;
}

// The last recovered model, keyed by (plan, recovery, calibration set): validate then export reuse it.
let lastRecovered: { key: string; prepared: PreparedModel } | undefined;

/**
 * Prunes the loaded model with the plan, recovers it if asked, then factorises and sparsifies it as
 * `request.compress` says. Progress fractions go from `from` to `to` (the caller's share of its own
 * bar); cancellable through the job id.
 */
export async function preparePruned(loaded: LoadedModel, request: PrepareRequest, onProgress?: (p: Progress) => void, from = 0, to = 0.8): Promise<PreparedModel> {
  const prepared = await pruneAndRecover(loaded, request, onProgress, from, to);
  const spec = request.compress;
  if (!spec || (!spec.sparsity && !Object.keys(spec.ranks ?? {}).length)) return prepared;
  onProgress?.({ stage: 'compress', fraction: to, message: 'Low rank and sparsity' });
  await checkpoint(request.jobId);
  // The bar stays at `to` (the caller's share ends there); the messages say which layer is refit.
  const compressed = await compressModel(prepared.model, prepared.plan, spec, request.jobId, onProgress && ((p) => onProgress({ ...p, fraction: to })));
  return { ...prepared, model: compressed.model, plan: compressed.plan, compressNote: compressed.note };
}

async function pruneAndRecover(loaded: LoadedModel, request: PrepareRequest, onProgress: ((p: Progress) => void) | undefined, from: number, to: number): Promise<PreparedModel> {
  const { jobId, recovery } = request;
  const at = (f: number): number => from + (to - from) * f;
  const report = (stage: string, fraction: number, message: string, training?: TrainingEvent) =>
    onProgress?.({ stage, fraction: at(fraction), message, ...(training ? { training } : {}) });
  report('prune', 0.05, 'Pruning');
  // A plan learnt with gates is served as learnt (pruned, folded, refit and fine-tuned by its training).
  const learnt = learntModel(loaded, request.plan);
  if (learnt) return learnt;
  const pruned = await prunedModel(loaded, request.plan, jobId);
  if (recovery === 'none' || pruned.model === loaded.model) return { model: pruned.model, plan: pruned.plan };
  if (!request.calibration?.length || !request.preprocess) {
    throw new JobError('internal', `Recovery (${recovery}) needs calibration images.`, 'Choose "None", or load a model that has bundled calibration samples.');
  }
  // Distillation trains on every calibration image given (more images help it more than epochs).
  const training = recovery === 'distill';
  const images = training ? request.calibration : request.calibration.slice(0, RECOVERY_IMAGES);
  const key = JSON.stringify([pruned.key, recovery, training ? request.training ?? null : null, request.preprocess, images.map((i) => [i.name, i.bytes.byteLength])]);
  if (lastRecovered?.key === key) return lastRecovered.prepared;
  const batches = await trainingBatches(loaded, images, request, (done) => report('decode', 0.05 + 0.2 * (done / images.length), `Preprocessing ${done}/${images.length} ${training ? 'training' : 'calibration'} images`));
  const signal = jobAbortSignal(jobId);
  const epochs = request.training?.epochs ?? DEFAULT_DISTILL_SETTINGS.epochs;
  let step = 0;
  let fraction = 0.25;
  const control = training ? trainingControl(jobId, (paused) => report('train', fraction, paused ? `Distill paused at step ${step}` : `Distill resumed at step ${step}`, { kind: paused ? 'paused' : 'resumed', step })) : undefined;
  const place = training ? await trainingPlace(jobId, request.training?.backend) : undefined;
  const where = `Distill (${place?.short ?? 'WASM'})`;
  // What both recoveries below share: WASM sessions, the images, the job's cancel, the page's image cap.
  const shared = { runner: jobRunner(jobId), batches, signal, maxImages: RECOVERY_IMAGES };
  try {
    // Least squares first, as the CLI's `--recover lsq,distill`: on the held-out CNNs that ended 0.1–1.9
    // points above distillation alone (docs/training.md). Off: `--recover distill`.
    const refit = training && request.training?.leastSquaresFirst !== false
      ? await recoverPruned(loaded.model, pruned.model, pruned.plan, 'lsq', {
        ...shared, onProgress: (done, total) => report('recover', 0.25, `Least squares before distillation: layer ${done}/${total}`),
      }, analysisOf(loaded))
      : undefined;
    if (place) report('train', 0.25, `${where}: ${images.length} images, ${epochs} epochs`, { kind: 'start', epochs, images: images.length, backend: place.label });
    const recovered = await recoverPruned(loaded.model, refit?.model ?? pruned.model, pruned.plan, recovery, {
      ...shared,
      onProgress: (done, total) => {
        report('recover', 0.25 + 0.75 * (done / Math.max(1, total)), `Recovery (${recovery}): layer ${done}/${total}`);
      },
      distill: place ? {
        batches, runner: place.runner,
        settings: { ...(request.training ? { epochs: request.training.epochs, lr: request.training.lr } : {}) },
        gate: control?.gate, stop: control?.stop,
        onEpoch: (e) => {
          const agreement = e.heldOutAgreement === undefined ? '' : `, held-out agreement ${(e.heldOutAgreement * 100).toFixed(1)} %`;
          const { epoch, trainLoss, heldOutLoss, heldOutAgreement, best, seconds } = e;
          report('train', fraction = 0.25 + 0.75 * (e.epoch / epochs), e.epoch === 0 ? `${where}: start${agreement}, held-out KL ${e.heldOutLoss.toFixed(4)}` : `${where}: epoch ${e.epoch}/${epochs}, loss ${e.trainLoss!.toFixed(4)}${agreement}, held-out KL ${e.heldOutLoss.toFixed(4)}${e.best ? ' (best)' : ''}`,
            { kind: 'epoch', epoch, heldOutLoss, best, seconds, ...(trainLoss !== undefined ? { trainLoss } : {}), ...(heldOutAgreement !== undefined ? { heldOutAgreement } : {}) });
        },
        onStep: (done, total, loss) => {
          step = done;
          report('train', fraction = 0.25 + 0.75 * (done / Math.max(1, total)), `${where}: step ${done}/${total}`, { kind: 'step', step: done, total, loss });
        },
      } : undefined,
    }, analysisOf(loaded));
    const r = recovered.report;
    const prepared: PreparedModel = {
      model: recovered.model, plan: pruned.plan,
      recoveryNote: `${refit ? `lsq on ${refit.report.images} images: ${describeRecoveryLoss(refit.report)}, then ` : ''}`
        + `${recovery} on ${r.images} images: ${describeRecoveryLoss(r)}${r.training && place ? `; ${trainingNote(r.training, place)}` : ''}`,
    };
    lastRecovered = { key, prepared };
    return prepared;
  } catch (err) {
    if (signal.aborted) throw abortedJobError();
    throw new JobError('internal', `Recovery (${recovery}) failed: ${(err as Error).message}.`, 'Choose "None" (no recovery), or try another method.');
  } finally {
    control?.dispose();
  }
}

/** The images decoded and preprocessed; an image that cannot be read is named, with what to do. */
async function trainingBatches(loaded: LoadedModel, images: ImageInput[], request: PrepareRequest, onImage: (done: number) => void) {
  try {
    return await imageBatches(loaded, images, request.preprocess!, request.jobId, onImage);
  } catch (err) {
    if (err instanceof JobError) throw err;
    throw new JobError('internal', `Could not read a recovery image: ${(err as Error).message}.`,
      'Remove that file from the training images (PNG or JPEG only), or train on the bundled images alone.');
  }
}

/** "10 epochs on 461 images (best: 8), held-out agreement 91.2 % → 97.0 %, 54 s on WASM" (and why it stopped early or left WebGPU). */
function trainingNote(t: TrainingSummary, place: TrainingPlace): string {
  const first = t.history[0];
  const best = t.history[t.bestEpoch];
  const agreement = first?.heldOutAgreement !== undefined && best?.heldOutAgreement !== undefined
    ? `, held-out agreement ${(first.heldOutAgreement * 100).toFixed(1)} % → ${(best.heldOutAgreement * 100).toFixed(1)} %` : '';
  return `distilled ${t.history.length - 1} epochs on ${t.images.train} images (best: epoch ${t.bestEpoch})${agreement}, ${t.seconds.toFixed(0)} s ${placeNote(place)}${t.note ? ` — ${t.note}` : ''}`;
}
