// Distillation as the user watches and steers it: which images train (the bundled calibration set,
// the user's own, or both), the live curve fed from the worker's training events, and Pause /
// Resume / Cancel sent to the job that trains. The user's images are read from their Blobs and
// moved to the studio worker only: they never leave the machine.
import { labelPickedFiles } from '../../runtime/web-images';
import type { ImageInput, Progress, RecoveryMethod, TrainingControlRequest, TrainingRequest } from '../../workers/protocol';
import { studioClient } from '../services/clients';
import type { TrainingRun } from '../store/training-slice';
import { useStudio } from '../store/store';
import type { ValidationImage } from '../store/validation-slice';
import type { Job } from './jobs';
import { currentPlan } from './plan';
import { calibrationImages } from './samples';
import { toImageInputs } from './transfer';

const s = () => useStudio.getState();

/** The images recovery runs on: for distillation the bundled ones and/or the user's; else the bundled ones. */
export async function recoveryImages(recovery: RecoveryMethod): Promise<ImageInput[] | undefined> {
  if (recovery === 'none') return undefined;
  const { extraTrainingImages, trainOnBundled } = s();
  if (recovery !== 'distill' || !extraTrainingImages.length) return toImageInputs(await calibrationImages());
  const bundled = trainOnBundled ? await calibrationImages() : [];
  return toImageInputs([...bundled, ...extraTrainingImages]);
}

/** The distillation settings a job sends: the panel's epochs and rate, on the backend chosen for validation. */
export function trainingRequest(): TrainingRequest {
  const { training, backend } = s();
  return { ...training, backend };
}

/** What a training run trains for: the curve is shown while plan, settings, backend and images are unchanged. */
export function trainingKey(): string {
  const { recovery, extraTrainingImages, trainOnBundled } = s();
  const training = trainingRequest();
  const images = extraTrainingImages.length ? extraTrainingImages.map((i) => `${i.name}:${i.blob.size}`) : [];
  return JSON.stringify([currentPlan(), recovery, training, trainOnBundled || !images.length, images]);
}

/**
 * Wraps a job's progress callback: training events go to the curve of job `jobId`, the rest to
 * `show`. Call where the job's id is known (inside studioClient().call); nothing happens for a
 * recovery that does not train.
 */
export function trainingProgress(job: Job, kind: TrainingRun['kind'], jobId: number, recovery: RecoveryMethod, show: (p: Progress) => void): (p: Progress) => void {
  if (recovery !== 'distill') return show;
  s().trainingJobStarted(kind, jobId, trainingKey());
  return (p) => {
    if (p.training && job.isLive()) s().trainingEvent(jobId, p.training);
    show(p);
  };
}

/** Marks the run of job `jobId` as over (the curve stays). */
export function trainingJobEnded(jobId: number | undefined): void {
  if (jobId !== undefined) s().trainingJobEnded(jobId);
}

async function control(action: TrainingControlRequest['action']): Promise<boolean> {
  const run = s().trainingRun;
  if (!run?.running) return false;
  if (action === 'stop') s().trainingStopRequested(run.jobId);
  if (action === 'pause') s().trainingPauseRequested(run.jobId);
  return studioClient().call((api, jobId) => api.controlTraining({ jobId, target: run.jobId, action }));
}

/** Holds the training before its next step (the worker computes nothing until resumed). */
export const pauseTraining = (): Promise<boolean> => control('pause');
export const resumeTraining = (): Promise<boolean> => control('resume');
/** Ends training after the current step; the best epoch so far is kept and validated/exported. */
export const stopTraining = (): Promise<boolean> => control('stop');

/**
 * Adds picked files (PNG/JPEG; folders welcome, their sub-folder names are ignored: distillation
 * needs no labels) to the training images. Returns an error text when none of them is an image.
 */
export function addPickedTrainingImages(list: FileList | readonly File[] | null): string | undefined {
  const files = [...(list ?? [])];
  if (!files.length) return undefined;
  const images: ValidationImage[] = labelPickedFiles(files).map((f) => ({ name: f.file.webkitRelativePath || f.file.name, blob: f.file }));
  if (!images.length) return `None of the ${files.length} chosen files is a PNG or JPEG image (by name: .png, .jpg, .jpeg).`;
  s().addTrainingImages(images);
  return undefined;
}
