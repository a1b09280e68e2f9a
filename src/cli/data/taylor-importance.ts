// Taylor weight importance on calibration images for sparsity, as `sparsify --criterion taylor` and
// `prune --plan` (a plan whose sparsity criterion is taylor) both compute it: batches of 8 images
// (one squared gradient per batch, so more batches estimate better), per output (DiSparse).
import type { ImportanceProvider } from '../../core/compress/plan-compress.js';
import { weightTaylorImportance } from '../../core/compress/sparse-importance.js';
import type { ModelProto } from '../../core/onnx/proto.js';
import type { TaskKind } from '../../core/score/loss-task.js';
import type { CliIO } from '../io.js';
import { loadImageBatches, nodeModelRunner, type LoadedImages } from './score-images.js';

/** Images per batch of the Taylor importance. */
export const TAYLOR_BATCH = 8;
/** Calibration images read by default (`--limit`). */
export const TAYLOR_LIMIT = 256;

/** The calibration batches Taylor importance (and sparsify's refit) read. */
export function taylorBatches(model: ModelProto, images: string, cwd: string, limit = TAYLOR_LIMIT): LoadedImages {
  return loadImageBatches(model, images, cwd, { limit, batchSize: TAYLOR_BATCH });
}

/** Taylor importance of `weights` of `model` on `data`, with a line on stderr saying what it read. */
export async function taylorImportance(model: ModelProto, weights: readonly string[], data: LoadedImages, io: Pick<CliIO, 'stderr'>, command: string, tasks?: Readonly<Record<string, TaskKind>>): Promise<Map<string, Float32Array[]>> {
  const outputs = model.graph!.output.map((o) => o.name);
  const importance = await weightTaylorImportance(model, weights, { runner: nodeModelRunner, batches: data.batches }, outputs, tasks);
  io.stderr(`${command}: Taylor importance of ${weights.length} weights on ${data.images} images, per output (${outputs.join(', ')})\n`);
  return importance;
}

/** An importance provider for applyPlanCompress: the images are read for the model it is given. */
export function taylorImportanceProvider(images: string, cwd: string, io: Pick<CliIO, 'stderr'>, command: string, options: { limit?: number; tasks?: Readonly<Record<string, TaskKind>> } = {}): ImportanceProvider {
  return (model, weights) => taylorImportance(model, weights, taylorBatches(model, images, cwd, options.limit), io, command, options.tasks);
}
