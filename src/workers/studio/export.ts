// Export: the pruned model (recovery applied when asked) and its plan JSON.
import { encodeModel } from '../../core/onnx/codec';
import type { ExportRequest, ExportResult, ProgressCallback } from '../protocol';
import { engineMissing } from './engine-missing';
import { requireLoadedModel } from './loaded-model';
import { metricsOf } from './pruning-cache';
import { prunedModel } from './plan';
import { computeMetrics } from '../../core/metrics/model-metrics';
import { buildGraph } from '../../core/graph/ir';

/** Prunes the loaded model with the plan and encodes it. */
export async function exportPruned(request: ExportRequest, onProgress?: ProgressCallback): Promise<ExportResult> {
  const loaded = requireLoadedModel();
  onProgress?.({ stage: 'prune', fraction: 0.1, message: 'Pruning' });
  const { model, plan } = await prunedModel(loaded, request.plan, request.jobId);
  if (request.recovery !== 'none') throw engineMissing(`Recovery (${request.recovery})`, 'src/core/recover');
  onProgress?.({ stage: 'encode', fraction: 0.7, message: 'Encoding the pruned model' });
  const bytes = encodeModel(model);
  const m = model === loaded.model ? metricsOf(loaded) : computeMetrics(buildGraph(model));
  // A standalone copy: `bytes` may be a view into a bigger buffer, and it is transferred.
  const out = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer as ArrayBuffer : bytes.slice().buffer;
  onProgress?.({ stage: 'done', fraction: 1, message: 'Done' });
  return { bytes: out, planJson: JSON.stringify(plan, null, 2), after: { params: m.params, macs: m.macs, bytes: m.bytes } };
}
