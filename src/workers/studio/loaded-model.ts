// The model the studio worker currently holds. Later worker calls (groups, scores, prune,
// validate) read it from here; the page never receives it, only its ModelSummary.
import type { GraphIR } from '../../core/graph/ir';
import type { ShapeResult } from '../../core/graph/shapes';
import type { ModelProto } from '../../core/onnx/proto';
import type { ModelSummary } from '../protocol';
import { JobError } from '../jobs';

/** A decoded model with its indexes; `bytes` backs the zero-copy tensor views and must stay alive. */
export interface LoadedModel {
  model: ModelProto;
  ir: GraphIR;
  shapes: ShapeResult;
  summary: ModelSummary;
  bytes: Uint8Array;
  /** Side files, kept alive for the same reason as `bytes`. */
  externalData: Map<string, Uint8Array>;
}

let current: LoadedModel | undefined;

/** Replaces the current model (only after a load fully succeeded, so a failed load keeps the old one). */
export function setLoadedModel(next: LoadedModel): void {
  current = next;
}

/** The current model, or a 'no-model' JobError for calls that need one. */
export function requireLoadedModel(): LoadedModel {
  if (!current) throw new JobError('no-model', 'No model is loaded.', 'Open an .onnx file or the demo model first.');
  return current;
}
