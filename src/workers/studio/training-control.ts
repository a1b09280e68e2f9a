// Pause, resume and stop for a job that trains (core/train/trainer.ts awaits `gate` between steps
// and ends, keeping the best parameters, when `stop` is aborted right after it). Pausing really stops computing:
// the gate returns a pending promise, the worker sits idle in its event loop and so still handles
// the resume, stop and cancel messages. A hard cancel of the job opens the gate too, so a paused
// job never hangs.
import type { AbortSignalLike } from '../../core/score/runner';
import type { TrainingControlRequest } from '../protocol';
import { jobAbortSignal } from '../jobs';

export interface TrainingControl {
  /** The trainer's gate: resolves at once unless paused. */
  gate(): Promise<void>;
  /** Aborted by a stop: the trainer ends and keeps the best model so far. */
  stop: AbortSignalLike;
  readonly paused: boolean;
  /** Forgets the job (call when its training ends). */
  dispose(): void;
}

interface Entry {
  stopped: boolean;
  /** The trainer reached the gate after a stop: only now does the stop signal read aborted. */
  halting?: boolean;
  /** Set while paused: opening it lets the gate through. */
  open?: () => void;
  held?: Promise<void>;
  /** The trainer has reached the closed gate (the step in flight when Pause came has ended). */
  holding?: boolean;
  /** Tells the job's progress that training stopped at the gate, or goes on. */
  onChange?: (paused: boolean) => void;
}

const entries = new Map<number, Entry>();

/** The control of job `jobId`'s training; `onChange` hears when the trainer holds at the gate and when it goes on. */
export function trainingControl(jobId: number, onChange?: (paused: boolean) => void): TrainingControl {
  const entry: Entry = { stopped: false, onChange };
  entries.set(jobId, entry);
  const cancelled = jobAbortSignal(jobId);
  cancelled.addEventListener('abort', () => resume(entry), { once: true });
  return {
    gate: () => {
      if (entry.stopped) entry.halting = true;
      if (!entry.held) return Promise.resolve();
      // Said here, not on the click: only now has the last step before the pause finished.
      if (!entry.holding) {
        entry.holding = true;
        entry.onChange?.(true);
      }
      return entry.held;
    },
    // The trainer hands its signal to every model run too, and a run that sees it aborted throws:
    // so the stop reads aborted only once the trainer is between steps (at the gate), where it ends
    // the run cleanly and keeps the best epoch, never inside a step or a held-out check.
    stop: { get aborted() { return !!entry.halting; }, get reason() { return entry.halting ? 'stopped' : undefined; } },
    get paused() { return !!entry.held; },
    dispose: () => {
      resume(entry);
      if (entries.get(jobId) === entry) entries.delete(jobId);
    },
  };
}

function resume(entry: Entry): void {
  const open = entry.open;
  if (!open) return;
  const held = entry.holding;
  entry.open = entry.held = entry.holding = undefined;
  open();
  if (held) entry.onChange?.(false);
}

/** Applies a pause/resume/stop from the page; false when job `target` is not training. */
export function controlTraining(request: Pick<TrainingControlRequest, 'target' | 'action'>): boolean {
  const entry = entries.get(request.target);
  if (!entry) return false;
  if (request.action === 'pause') {
    if (!entry.held && !entry.stopped) entry.held = new Promise<void>((resolve) => (entry.open = resolve));
  } else {
    // A stop while paused opens the gate: the trainer sees the stop before its next step.
    if (request.action === 'stop') {
      entry.stopped = true;
      // Waiting at the gate is between steps: nothing is in flight.
      if (entry.holding) entry.halting = true;
    }
    resume(entry);
  }
  return true;
}
