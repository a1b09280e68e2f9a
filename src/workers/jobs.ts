// Job bookkeeping inside a worker: cancellation by job id and errors turned into data.
// A cancel message can only be handled while the job yields to the event loop (awaiting a promise
// that is already settled does not), so long jobs call `checkpoint(jobId)` between stages and
// `checkpointIfDue(jobId)` inside their loops: they yield, then throw if cancelled. Core functions
// get `jobAbortSignal(jobId)`, aborted the moment the cancel message is handled.
import * as Comlink from 'comlink';
import { OnnxFormatError } from '../core/onnx/errors';
import { PruneIntegrityError } from '../core/prune/verify';
import { NonFiniteScoresError } from '../core/score/non-finite';
import type { StudioErrorCode, StudioErrorData, WorkerResult } from './protocol';

const cancelled = new Set<number>();
const controllers = new Map<number, AbortController>();

/** Loops yield at most this often: a yield costs a task turn (~0–4 ms), a cancel must be seen within a second. */
export const YIELD_EVERY_MS = 40;
let lastYield = 0;

/** Thrown inside the worker to end a job with a specific error code. */
export class JobError extends Error {
  constructor(
    readonly code: StudioErrorCode,
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

/** Marks a job as cancelled; its next checkpoint throws. */
export function cancelJob(jobId: number): void {
  cancelled.add(jobId);
  controllers.get(jobId)?.abort('cancelled');
}

/** The error a cancelled job ends with. */
export function abortedJobError(): JobError {
  return new JobError('aborted', 'The operation was cancelled.', '');
}

/** Throws JobError('aborted') if job `jobId` was cancelled (no yield: see checkpoint). */
export function throwIfCancelled(jobId: number): void {
  if (cancelled.has(jobId)) throw abortedJobError();
}

/** An AbortSignal for core functions: aborted as soon as the cancel message of `jobId` is handled. */
export function jobAbortSignal(jobId: number): AbortSignal {
  let controller = controllers.get(jobId);
  if (!controller) {
    controllers.set(jobId, (controller = new AbortController()));
    if (cancelled.has(jobId)) controller.abort('cancelled');
  }
  return controller.signal;
}

/** Yields so queued cancel messages run, then throws JobError('aborted') if the job was cancelled. */
export async function checkpoint(jobId: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  lastYield = performance.now();
  throwIfCancelled(jobId);
}

/**
 * A checkpoint for loops with many short steps (model runs, batches): yields only when the last
 * yield is over YIELD_EVERY_MS old, so a cancel is seen within one step plus that, at little cost.
 */
export async function checkpointIfDue(jobId: number): Promise<void> {
  if (performance.now() - lastYield >= YIELD_EVERY_MS) await checkpoint(jobId);
  else throwIfCancelled(jobId);
}

/** Maps anything thrown by a job to the wire error shape. */
export function toErrorData(err: unknown): StudioErrorData {
  if (err instanceof JobError) return { code: err.code, message: err.message, hint: err.hint };
  if (err instanceof OnnxFormatError) {
    return { code: 'bad-model', message: `${err.source}: ${err.problem}.`, hint: err.hint };
  }
  // The engine's own refusals explain themselves and what to do; the session stays usable.
  if (err instanceof PruneIntegrityError) {
    return { code: 'refused', message: err.message, hint: 'Set the named groups to 0 % (or lock them) and try again; please report the model, the analysis missed a dependency.' };
  }
  if (err instanceof NonFiniteScoresError) {
    return { code: 'refused', message: err.message, hint: 'Choose another criterion, or repair the model’s weights.' };
  }
  const message = err instanceof Error ? err.message : String(err);
  return {
    code: 'internal',
    message: `Unexpected failure: ${message}`,
    hint: 'This is a bug in Prune Studio. Reload the page; if it happens again, report it with the model file.',
  };
}

/**
 * Runs a job, always resolving to a WorkerResult and forgetting the job id afterwards. Pass the
 * job's progress callback as `progress`: it is a Comlink proxy holding a MessagePort, released
 * here when the job ends (otherwise every call would leak a port).
 */
export async function runJob<T>(jobId: number, job: () => Promise<T>, progress?: unknown): Promise<WorkerResult<T>> {
  try {
    return { ok: true, value: await job() };
  } catch (err) {
    return { ok: false, error: toErrorData(err) };
  } finally {
    cancelled.delete(jobId);
    controllers.delete(jobId);
    releaseCallback(progress);
  }
}

function releaseCallback(callback: unknown): void {
  if (typeof callback !== 'function') return;
  const release = (callback as unknown as Record<symbol, unknown>)[Comlink.releaseProxy];
  if (typeof release === 'function') (release as () => void)();
}
