// The studio's background jobs, one in flight per kind, each belonging to the model open when it
// started. Starting a job cancels the previous one of its kind in the worker, so dragging a slider
// never queues stale work; opening a model cancels every job of the model it replaces. A job only
// touches the store while it is live: progress or results arriving after a cancel, after a newer
// job of its kind, or for a model no longer open are dropped. Every workflow in ui/actions starts
// its jobs in the one registry here.
import { useStudio } from '../store/store';

export type JobKind = 'load' | 'score' | 'cost' | 'sensitivity' | 'validate' | 'export' | 'sweep' | 'spectra' | 'rank-target' | 'sparsity' | 'gates';

export interface Job {
  readonly kind: JobKind;
  /** Aborted when the job is cancelled or superseded; pass it to the worker call. */
  readonly signal: AbortSignal;
  /**
   * The newest job of its kind, and its model is still the open one (a load belongs to no model);
   * it may have been cancelled. Only a current job may say how it ended ("Cancelled.", an error).
   */
  isCurrent(): boolean;
  /** Current and not cancelled: only a live job may report progress or results. */
  isLive(): boolean;
  /** `fn`, run only while the job is live (for progress callbacks and results). */
  whileLive<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void;
}

export interface JobRegistry {
  /** Starts a job of `kind`, cancelling the previous one of that kind; a load cancels every job. */
  start(kind: JobKind): Job;
  /** Cancels the job of `kind` in flight, if any. */
  cancel(kind: JobKind): void;
  /** Cancels every job but loads: they belong to a model that is being replaced. */
  cancelModelJobs(): void;
  /** Forgets `job` once it has ended, unless a newer job of its kind replaced it. */
  finish(job: Job): void;
}

/**
 * A fresh registry. `openModel` returns what identifies the open model (the app: the summary
 * object, new on every load, so reopening the same file is a new model too); tests pass their own.
 */
export function createJobRegistry(openModel: () => unknown = () => undefined): JobRegistry {
  const controllers = new Map<JobKind, AbortController>();
  const controllerOf = new WeakMap<Job, AbortController>();
  const registry: JobRegistry = {
    start(kind) {
      if (kind === 'load') registry.cancelModelJobs();
      controllers.get(kind)?.abort();
      const controller = new AbortController();
      controllers.set(kind, controller);
      const model = kind === 'load' ? undefined : openModel();
      const isCurrent = (): boolean => controllers.get(kind) === controller && (kind === 'load' || openModel() === model);
      const isLive = (): boolean => isCurrent() && !controller.signal.aborted;
      const job: Job = {
        kind, signal: controller.signal, isCurrent, isLive,
        whileLive: (fn) => (...args) => {
          if (isLive()) fn(...args);
        },
      };
      controllerOf.set(job, controller);
      return job;
    },
    cancel(kind) {
      controllers.get(kind)?.abort();
    },
    cancelModelJobs() {
      for (const [kind, controller] of controllers) if (kind !== 'load') controller.abort();
    },
    finish(job) {
      if (controllers.get(job.kind) === controllerOf.get(job)) controllers.delete(job.kind);
    },
  };
  return registry;
}

/** The page's job registry: jobs belong to the open model's summary. */
export const jobs = createJobRegistry(() => useStudio.getState().summary);

/** Cancels the panel job of `kind` in flight, if any (the panels' Cancel buttons). */
export function cancelJob(kind: Exclude<JobKind, 'load' | 'cost'>): void {
  jobs.cancel(kind);
}
