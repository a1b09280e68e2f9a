// Export: the pruned model, recovered on the calibration images when asked (prepare-pruned.ts,
// shared with validation so what is validated is what is exported), encoded, with its plan JSON.
import { buildGraph } from '../../core/graph/ir';
import { computeMetrics } from '../../core/metrics/model-metrics';
import { encodeModel } from '../../core/onnx/codec';
import type { ExportRequest, ExportResult, ProgressCallback } from '../protocol';
import { requireLoadedModel } from './loaded-model';
import { preparePruned } from './prepare-pruned';
import { metricsOf } from './pruning-cache';

export { RECOVERY_IMAGES } from './prepare-pruned';

/** Prunes the loaded model with the plan, recovers it if asked, and encodes it. */
export async function exportPruned(request: ExportRequest, onProgress?: ProgressCallback): Promise<ExportResult> {
  const loaded = requireLoadedModel();
  const report = (stage: string, fraction: number, message: string) => onProgress?.({ stage, fraction, message });
  const prepared = await preparePruned(loaded, request, onProgress, 0, 0.8);
  const { model, recoveryNote } = prepared;
  report('encode', 0.85, 'Encoding the pruned model');
  const bytes = model === loaded.model ? loaded.bytes.slice() : encodeModel(model);
  const m = model === loaded.model ? metricsOf(loaded) : computeMetrics(buildGraph(model));
  // A standalone buffer: `bytes` may be a view into a bigger one.
  const out = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : bytes.slice().buffer;
  report('done', 1, 'Done');
  return {
    bytes: out, planJson: JSON.stringify(prepared.plan, null, 2), after: { params: m.params, macs: m.macs, bytes: m.bytes },
    ...(recoveryNote ? { recoveryNote } : {}),
  };
}
