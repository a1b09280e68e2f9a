// Job bookkeeping inside a worker: cancellation by job id and errors turned into data.
// A cancel message can only be handled while the job is awaiting, so long jobs call
// `checkpoint(jobId)` between stages: it yields to the event loop, then throws if cancelled.
import * as Comlink from 'comlink';
import { OnnxFormatError } from '../core/onnx/errors';
import type { StudioErrorCode, StudioErrorData, WorkerResult } from './protocol';

const cancelled = new Set<number>();

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
}

/** Yields so queued cancel messages run, then throws JobError('aborted') if the job was cancelled. */
export async function checkpoint(jobId: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  if (cancelled.has(jobId)) throw new JobError('aborted', 'The operation was cancelled.', '');
}

/** Maps anything thrown by a job to the wire error shape. */
export function toErrorData(err: unknown): StudioErrorData {
  if (err instanceof JobError) return { code: err.code, message: err.message, hint: err.hint };
  if (err instanceof OnnxFormatError) {
    return { code: 'bad-model', message: `${err.source}: ${err.problem}.`, hint: err.hint };
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
    releaseCallback(progress);
  }
}

function releaseCallback(callback: unknown): void {
  if (typeof callback !== 'function') return;
  const release = (callback as unknown as Record<symbol, unknown>)[Comlink.releaseProxy];
  if (typeof release === 'function') (release as () => void)();
}
