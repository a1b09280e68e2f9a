// THE typed protocol between the page and its workers (studio.worker.ts, layout.worker.ts).
// Every message that crosses a worker boundary is typed here; nothing else defines wire shapes.
//
// Conventions for every long call (add new calls the same way):
//   - its first argument is a request object carrying `jobId` (cancel it with `cancel(jobId)`);
//     ArrayBuffers inside the request are transferred, never copied (Comlink.transfer);
//   - its second argument is an optional progress callback, passed wrapped in Comlink.proxy;
//   - it resolves to a WorkerResult: errors come back as data ({code, message, hint}), never as
//     thrown Error objects (which lose their fields in postMessage).
// Tensors never cross to the UI: the page holds ids, ratios and view state only.
//
// The shapes live by worker and job family in the files beside this one; this file holds what
// every call shares (progress, errors, results) and re-exports the rest, so callers import
// `workers/protocol` only.
import type { Dim } from '../../core/graph/shapes';
import type { GatesLiveEvent } from './pruning';

export type { Dim };
export type * from './model';
export type * from './pruning';
export type * from './compress';
export type * from './layout';

/** Where a long job stands. `fraction` is 0..1 for the whole job. */
export interface Progress {
  stage: string;
  fraction: number;
  /** Human text for the progress bar ("Decoding resnet50.onnx"). */
  message: string;
  /** A training job's numbers for the live curve (distillation), beside the text. */
  training?: TrainingEvent;
  /** A Learn-with-gates job's live gates (histogram, kept channels), beside the curve's events. */
  gates?: GatesLiveEvent;
}

/**
 * What a training job reports as it goes: small numbers only. `start` once (what trains, where),
 * `step` after every optimizer step (mean loss per image of that batch), `epoch` after every
 * held-out check (epoch 0 is the start), `paused`/`resumed` when the gate closes or opens.
 */
export type TrainingEvent =
  | { kind: 'start'; epochs: number; images: number; backend: string }
  | { kind: 'step'; step: number; total: number; loss: number }
  | { kind: 'epoch'; epoch: number; trainLoss?: number; heldOutLoss: number; heldOutAgreement?: number; best: boolean; seconds: number }
  | { kind: 'paused' | 'resumed'; step: number };

/** Pause, resume or stop (keeping the best model so far) the training inside job `target`. */
export interface TrainingControlRequest {
  jobId: number;
  /** The job that trains (a validation or an export). */
  target: number;
  action: 'pause' | 'resume' | 'stop';
}

/** Receives progress; wrap in Comlink.proxy when passing to a worker. */
export type ProgressCallback = (progress: Progress) => void;

/** Machine-readable error codes; the UI chooses wording and actions by code. */
export type StudioErrorCode =
  | 'bad-model' // not ONNX, corrupt, unsupported structure (OnnxFormatError)
  | 'missing-external-data' // the model keeps weights in a side file that was not provided
  | 'no-model' // a call needs a loaded model and none is loaded
  | 'aborted' // the job was cancelled
  | 'worker-crashed' // the worker died (out of memory, ...) and was restarted
  | 'refused' // the engine refused to go on: a broken pruned model (post-surgery check) or NaN/Inf scores
  | 'internal'; // a bug: message says what failed

/** An error as it crosses the worker boundary: what is wrong and what the user can do. */
export interface StudioErrorData {
  code: StudioErrorCode;
  message: string;
  hint: string;
}

/** Every worker call resolves to this; the client wrappers turn `ok: false` into a thrown StudioError. */
export type WorkerResult<T> = { ok: true; value: T } | { ok: false; error: StudioErrorData };
