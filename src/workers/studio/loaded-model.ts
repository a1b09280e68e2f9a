// The model the studio worker currently holds. Later worker calls (groups, scores, prune,
// validate) read it from here; the page never receives it, only its ModelSummary.
import type { GraphIR } from '../../core/graph/ir';
import type { ShapeResult } from '../../core/graph/shapes';
import { encodeModel } from '../../core/onnx/codec';
import { fitsInline } from '../../core/onnx/external-data';
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

const inlined = new WeakMap<LoadedModel, Uint8Array>();

/**
 * Bytes onnxruntime can open on their own: the file as it came, or, when its weights came in a side
 * file, the model encoded again with them inline (made once, on first use). The file itself names
 * the side file, which an in-memory session cannot reach ("Failed to load external data file").
 */
export function runnableBytes(loaded: LoadedModel): Uint8Array {
  if (!loaded.summary.externalDataFiles.length) return loaded.bytes;
  let bytes = inlined.get(loaded);
  if (!bytes) {
    if (!fitsInline(loaded.model)) {
      throw new JobError(
        'refused',
        `${loaded.summary.fileName} with its side files is over 2 GB, more than onnxruntime-web can run in the page.`,
        'Analysing, scoring by weights and exporting work here; to validate or recover with images, use the CLI (prune-studio prune/eval), which reads side files from disk.',
      );
    }
    bytes = encodeModel(loaded.model);
    inlined.set(loaded, bytes);
  }
  return bytes;
}
