// Gates slice: "Learn with gates" (the Ratios tab's fourth allocation): its settings, and the last
// run — the job that trains (for Pause/Resume/Cancel), its loss curve (the distillation curve's
// events), the live gates (histogram, kept channels per group: small numbers, never tensors) and how
// it ended. The learnt plan itself goes into the plan slice as ordinary ratios.
import type { StateCreator } from 'zustand';
import type { GatesLiveEvent, GatesOutcome, Progress, TrainingRequest } from '../../workers/protocol';
import { applyTrainingEvent, type TrainingCurve } from '../charts/training-curve';
import { sameRatios } from './plan-slice';
import type { StudioState } from './types';

export interface GatesRun {
  /** Fraction of the MACs to keep that it trains for. */
  keepMacs: number;
  /** The worker job that trains (unset until the call is made). */
  jobId?: number;
  running: boolean;
  /** The job's progress text and fraction (0..1). */
  message?: string;
  fraction?: number;
  curve?: TrainingCurve;
  live?: GatesLiveEvent;
  stopRequested: boolean;
  pauseRequested?: boolean;
  outcome?: GatesOutcome;
  error?: string;
}

export interface GatesSlice {
  /** Epochs and peak learning rate of a Learn-with-gates run. */
  gatesTraining: TrainingRequest;
  gatesRun?: GatesRun;

  setGatesTraining(training: Partial<TrainingRequest>): void;
  gatesStarted(keepMacs: number): void;
  gatesJob(jobId: number): void;
  gatesProgress(jobId: number, progress: Progress): void;
  gatesPauseRequested(): void;
  gatesStopRequested(): void;
  gatesEnded(jobId: number | undefined, end: Pick<GatesRun, 'outcome' | 'error'>): void;
}

export const createGatesSlice: StateCreator<StudioState, [], [], GatesSlice> = (set) => {
  const patch = (jobId: number | undefined, f: (run: GatesRun) => Partial<GatesRun>) =>
    set((s) => (s.gatesRun && s.gatesRun.jobId === jobId ? { gatesRun: { ...s.gatesRun, ...f(s.gatesRun) } } : {}));
  return {
    // GDP's lr (core DEFAULT_GATES_SETTINGS, 3e-3); few epochs: the page trains on WASM. From 4 epochs on,
    // the last 30 % fine-tune the pruned model (on a few hundred images one short epoch can overshoot at this
    // lr; the best checkpoint then keeps the refit model).
    gatesTraining: { epochs: 3, lr: 3e-3 },
    setGatesTraining: (training) => set((s) => ({ gatesTraining: { ...s.gatesTraining, ...training } })),
    gatesStarted: (keepMacs) => set({ gatesRun: { keepMacs, running: true, stopRequested: false, message: 'Reading the training images' } }),
    gatesJob: (jobId) => set((s) => (s.gatesRun?.running && s.gatesRun.jobId === undefined ? { gatesRun: { ...s.gatesRun, jobId } } : {})),
    gatesProgress: (jobId, p) => patch(jobId, (run) => ({
      message: p.message,
      fraction: p.fraction,
      ...(p.training ? { curve: applyTrainingEvent(run.curve, p.training) } : {}),
      ...(p.training?.kind === 'paused' || p.training?.kind === 'resumed' ? { pauseRequested: false } : {}),
      ...(p.gates ? { live: p.gates } : {}),
    })),
    gatesPauseRequested: () => set((s) => (s.gatesRun?.running ? { gatesRun: { ...s.gatesRun, pauseRequested: true } } : {})),
    gatesStopRequested: () => set((s) => (s.gatesRun?.running ? { gatesRun: { ...s.gatesRun, stopRequested: true } } : {})),
    gatesEnded: (jobId, end) => patch(jobId, (run) => ({ ...end, running: false, pauseRequested: false, ...(run.curve ? { curve: { ...run.curve, paused: false } } : {}) })),
  };
};

/** The current plan is the one the last Learn-with-gates run installed (Validate and Export then use its learnt model, not the recovery choice). */
export function learntPlanIsCurrent(s: Pick<StudioState, 'gatesRun' | 'criterion' | 'roundTo' | 'ratios'>): boolean {
  const plan = s.gatesRun?.outcome?.plan;
  return !!plan && s.criterion === plan.criterion && s.roundTo === plan.roundTo && sameRatios(s.ratios, plan.ratios);
}
