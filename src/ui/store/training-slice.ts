// Training slice: the images the user brought for distillation (Blobs, read per run, never sent
// anywhere but the studio worker), whether the bundled calibration images train too, and the last
// training run: its live curve, which job trains (for Pause/Resume/Cancel) and what it trained for,
// so the curve stays until the plan, the settings or the model change.
import type { StateCreator } from 'zustand';
import type { TrainingEvent } from '../../workers/protocol';
import { applyTrainingEvent, type TrainingCurve } from '../charts/training-curve';
import type { StudioState } from './types';
import type { ValidationImage } from './validation-slice';

export interface TrainingRun {
  /** The studio job that trains (a validation or an export) and its worker job id. */
  kind: 'validate' | 'export';
  jobId: number;
  /** What it trains for (plan, recovery settings, images): the curve is shown while this still holds. */
  key: string;
  curve?: TrainingCurve;
  /** The job is still running. */
  running: boolean;
  /** The user stopped this run: the trainer ends after the current step and keeps the best epoch (a later job reusing the model keeps saying so). */
  stopRequested: boolean;
  /** Pause was asked for; the worker has not yet said it holds (the step in flight finishes first). */
  pauseRequested?: boolean;
}

export interface TrainingSlice {
  /** Unlabelled images the user added for distillation. */
  extraTrainingImages: ValidationImage[];
  /** Train on the bundled calibration images as well (default); off: on the user's images alone. */
  trainOnBundled: boolean;
  trainingRun?: TrainingRun;

  addTrainingImages(images: ValidationImage[]): void;
  clearTrainingImages(): void;
  setTrainOnBundled(on: boolean): void;
  /** A job that may train has started (its curve begins with the worker's `start` event). */
  trainingJobStarted(kind: TrainingRun['kind'], jobId: number, key: string): void;
  trainingEvent(jobId: number, event: TrainingEvent): void;
  trainingStopRequested(jobId: number): void;
  trainingPauseRequested(jobId: number): void;
  trainingJobEnded(jobId: number): void;
}

export const createTrainingSlice: StateCreator<StudioState, [], [], TrainingSlice> = (set) => {
  /** Patches the run of job `jobId` (and nothing when another job's run is current). */
  const patchRun = (jobId: number, patch: (run: TrainingRun) => Partial<TrainingRun>) =>
    set((s) => (s.trainingRun?.jobId === jobId ? { trainingRun: { ...s.trainingRun, ...patch(s.trainingRun) } } : {}));
  return {
    extraTrainingImages: [],
    trainOnBundled: true,
    addTrainingImages: (images) => set((s) => {
      // The same file picked twice counts once.
      const seen = new Set(s.extraTrainingImages.map((i) => `${i.name}:${i.blob.size}`));
      return { extraTrainingImages: [...s.extraTrainingImages, ...images.filter((i) => !seen.has(`${i.name}:${i.blob.size}`))] };
    }),
    clearTrainingImages: () => set({ extraTrainingImages: [] }),
    setTrainOnBundled: (trainOnBundled) => set({ trainOnBundled }),
    // A job served from the worker's cache sends no `start`: the previous curve (same key) stays.
    trainingJobStarted: (kind, jobId, key) => set((s) => ({
      trainingRun: s.trainingRun?.key === key && s.trainingRun.curve ? { ...s.trainingRun, kind, jobId, running: true } : { kind, jobId, key, running: true, stopRequested: false },
    })),
    trainingEvent: (jobId, event) => patchRun(jobId, (run) => ({
      curve: applyTrainingEvent(run.curve, event),
      ...(event.kind === 'paused' || event.kind === 'resumed' ? { pauseRequested: false } : {}),
      ...(event.kind === 'start' ? { stopRequested: false } : {}),
    })),
    trainingPauseRequested: (jobId) => patchRun(jobId, () => ({ pauseRequested: true })),
    trainingStopRequested: (jobId) => patchRun(jobId, () => ({ stopRequested: true })),
    trainingJobEnded: (jobId) => patchRun(jobId, (run) => ({ running: false, pauseRequested: false, ...(run.curve ? { curve: { ...run.curve, paused: false } } : {}) })),
  };
};
