// The page-side error for everything a worker call can report.
import type { StudioErrorCode, StudioErrorData } from '../protocol';

/** A typed, user-presentable error: `message` says what is wrong, `hint` what to do. */
export class StudioError extends Error implements StudioErrorData {
  override readonly name = 'StudioError';
  constructor(
    readonly code: StudioErrorCode,
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }

  /** Rebuilds the error from its wire form. */
  static from(data: StudioErrorData): StudioError {
    return new StudioError(data.code, data.message, data.hint);
  }
}

/** The error a cancelled call rejects with. */
export function abortedError(): StudioError {
  return new StudioError('aborted', 'The operation was cancelled.', '');
}

/** True when `err` is the result of cancelling a call (no dialog needed). */
export function isAborted(err: unknown): boolean {
  return err instanceof StudioError && err.code === 'aborted';
}
