// Raised by pruning calls whose core engine has not landed in this build yet (the studio is
// assembled in parallel); the UI shows it like any other worker error.
import { JobError } from '../jobs';

/** A JobError saying which feature needs which core module. */
export function engineMissing(feature: string, module: string): JobError {
  return new JobError('internal', `${feature} is not available in this build: ${module} is missing.`,
    'Update Prune Studio to a build that includes the pruning engine.');
}
