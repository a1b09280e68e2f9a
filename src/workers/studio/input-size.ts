// The input size MACs are counted at, for models whose height and width are dynamic (detectors,
// segmenters, OCR): without one the counts are lower bounds ("≥"); with one, shapes are inferred at
// that size (core/graph/shapes inputShapes, what the CLI's --input-shape does) and every count,
// cost table and speed-up ratio of the session follows. The model and its scores stay.
import { inferShapes, type Dim } from '../../core/graph/shapes';
import { computeMetrics } from '../../core/metrics/model-metrics';
import type { ModelSummary } from '../protocol';
import { JobError } from '../jobs';
import { requireLoadedModel, type LoadedModel } from './loaded-model';
import { forgetShapeDependents } from './pruning-cache';
import { summariseModel } from './summarise';

const declaredShapes = new WeakMap<LoadedModel, Dim[] | undefined>();

/**
 * Infers the loaded model's shapes with its first input at `shape` (undefined: as declared) and
 * returns the new summary. Entries must be positive integers; the batch (first) entry stays symbolic
 * when the model declares it so, as MACs are per sample.
 */
export function setInputSize(shape: number[] | undefined): ModelSummary {
  const loaded = requireLoadedModel();
  const input = loaded.ir.inputs[0];
  if (!input) throw new JobError('internal', 'The model has no graph input.', 'Nothing to size.');
  // As the file declares it (the summary's shape is the sized one after a first call).
  let declared = declaredShapes.get(loaded);
  if (!declared) declaredShapes.set(loaded, (declared = loaded.summary.inputs[0]?.shape));
  let inputShapes: Map<string, Dim[]> | undefined;
  if (shape) {
    const fix = `Give ${declared?.length ?? 'one'} positive whole numbers separated by commas, e.g. ${(declared ?? []).map((d) => (typeof d === 'number' ? d : 640)).join(',')}.`;
    if (!declared || shape.length !== declared.length) throw new JobError('refused', `Input "${input.name}" has ${declared?.length ?? '?'} dimensions; ${shape.length} were given.`, fix);
    if (shape.some((d) => !Number.isInteger(d) || d < 1)) throw new JobError('refused', `Input size ${shape.join('×')} has an entry that is not a positive whole number.`, fix);
    const clash = declared.findIndex((d, i) => typeof d === 'number' && d !== shape[i]);
    if (clash >= 0) throw new JobError('refused', `Dimension ${clash} of input "${input.name}" is fixed at ${declared[clash]}; ${shape[clash]} was given.`, fix);
    // The batch stays a symbol: MACs are reported per sample.
    inputShapes = new Map([[input.name, shape.map((d, i): Dim => (i === 0 && typeof declared[0] !== 'number' ? declared[0]! : d))]]);
  }
  const shapes = inferShapes(loaded.ir, inputShapes ? { inputShapes } : {});
  const { fileName, modelHash, fileBytes, externalDataFiles } = loaded.summary;
  loaded.shapes = shapes;
  loaded.summary = { ...summariseModel(loaded.ir, shapes, { fileName, modelHash, fileBytes, externalDataFiles }, { metrics: computeMetrics(loaded.ir, shapes) }), ...(shape ? { inputSize: shape } : {}) };
  forgetShapeDependents(loaded);
  return loaded.summary;
}
