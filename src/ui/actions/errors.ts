// How a failed worker call is told to the user: one line for the panels, or the error dialog's
// code/message/hint.
import { StudioError } from '../../workers/client/studio-error';
import type { StudioErrorData } from '../../workers/protocol';

/** User-facing text of a failed call: message and what to do. */
export function errorText(err: unknown): string {
  if (err instanceof StudioError) return err.hint ? `${err.message} ${err.hint}` : err.message;
  return err instanceof Error ? err.message : String(err);
}

/** The error dialog's data for a failed call; unknown failures are 'internal'. */
export function toErrorData(err: unknown): StudioErrorData {
  if (err instanceof StudioError) return { code: err.code, message: err.message, hint: err.hint };
  return {
    code: 'internal',
    message: err instanceof Error ? err.message : String(err),
    hint: 'Try again; if it keeps failing, reload the page.',
  };
}
