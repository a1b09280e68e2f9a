// The studio's background jobs, one in flight per kind. Starting a job cancels the previous one of
// its kind in the worker, so dragging a slider never queues stale work and a newer open replaces
// an older one. Every workflow in ui/actions starts its jobs in the one registry here.

export type JobKind = 'load' | 'score' | 'cost' | 'sensitivity' | 'validate' | 'export';

export interface Job {
  readonly kind: JobKind;
  /** Aborted when the job is cancelled or superseded; pass it to the worker call. */
  readonly signal: AbortSignal;
  /** Still the newest job of its kind (not superseded; it may have been cancelled). */
  isCurrent(): boolean;
}

export interface JobRegistry {
  /** Starts a job of `kind`, cancelling the previous one of that kind. */
  start(kind: JobKind): Job;
  /** Cancels the job of `kind` in flight, if any. */
  cancel(kind: JobKind): void;
  /** Forgets `job` once it has ended, unless a newer job of its kind replaced it. */
  finish(job: Job): void;
}

/** A fresh registry (tests make their own; the app uses `jobs`). */
export function createJobRegistry(): JobRegistry {
  const controllers = new Map<JobKind, AbortController>();
  return {
    start(kind) {
      controllers.get(kind)?.abort();
      const controller = new AbortController();
      controllers.set(kind, controller);
      return { kind, signal: controller.signal, isCurrent: () => controllers.get(kind) === controller };
    },
    cancel(kind) {
      controllers.get(kind)?.abort();
    },
    finish(job) {
      if (job.isCurrent()) controllers.delete(job.kind);
    },
  };
}

/** The page's job registry. */
export const jobs = createJobRegistry();

/** Cancels the panel job of `kind` in flight, if any (the panels' Cancel buttons). */
export function cancelJob(kind: Exclude<JobKind, 'load' | 'cost'>): void {
  jobs.cancel(kind);
}
