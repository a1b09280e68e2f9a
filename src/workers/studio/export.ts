// Export: the pruned model, recovered on the calibration images when asked (prepare-pruned.ts,
// shared with validation so what is validated is what is exported), encoded, with its plan JSON.
import { buildGraph } from '../../core/graph/ir';
import { computeMetrics } from '../../core/metrics/model-metrics';
import { toFloat16, type Float16Report } from '../../core/convert/fp16';
import { encodeModel } from '../../core/onnx/codec';
import type { ModelProto } from '../../core/onnx/proto';
import { JobError } from '../jobs';
import type { ExportRequest, ExportResult, ProgressCallback } from '../protocol';
import { requireLoadedModel, runnableBytes } from './loaded-model';
import { preparePruned } from './prepare-pruned';
import { metricsOf } from './pruning-cache';

export { RECOVERY_IMAGES } from './prepare-pruned';

/** Prunes the loaded model with the plan, recovers it if asked, and encodes it. */
export async function exportPruned(request: ExportRequest, onProgress?: ProgressCallback): Promise<ExportResult> {
  const loaded = requireLoadedModel();
  const report = (stage: string, fraction: number, message: string) => onProgress?.({ stage, fraction, message });
  const prepared = await preparePruned(loaded, request, onProgress, 0, 0.8);
  const { recoveryNote, compressNote } = prepared;
  let model = prepared.model;
  let fp16Note: string | undefined;
  if (request.fp16) {
    report('fp16', 0.82, 'Converting to fp16');
    ({ model, note: fp16Note } = half(model));
  }
  report('encode', 0.85, 'Encoding the pruned model');
  // The original's bytes are copied: the result's buffer is transferred, which would detach them.
  const bytes = model === loaded.model ? runnableBytes(loaded).slice() : encodeModel(model);
  const m = model === loaded.model ? metricsOf(loaded) : computeMetrics(buildGraph(model));
  // A standalone buffer: `bytes` may be a view into a bigger one.
  const out = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : bytes.slice().buffer;
  report('done', 1, 'Done');
  return {
    bytes: out, planJson: JSON.stringify(prepared.plan, null, 2), after: { params: m.params, macs: m.macs, bytes: m.bytes },
    ...(recoveryNote ? { recoveryNote } : {}),
    ...(fp16Note ? { fp16Note } : {}),
    ...(compressNote ? { compressNote } : {}),
  };
}

/** The fp16 model and a one-line note of what the conversion did; its refusals as JobErrors. */
function half(model: ModelProto): { model: ModelProto; note: string } {
  let converted: { model: ModelProto; report: Float16Report };
  try {
    converted = toFloat16(model);
  } catch (err) {
    throw new JobError('refused', `${(err as Error).message}.`, 'Export without "fp16 weights".');
  }
  const r = converted.report;
  const notes = [r.alreadyFloat16 ? 'the model is already fp16' : `${r.convertedConstants} tensors in fp16`];
  if (r.keptFp32Nodes.length) notes.push(`${r.keptFp32Nodes.length} nodes kept in fp32 (${r.keptFp32Ops.join(', ')})`);
  if (r.clamped.length) notes.push(`${r.clamped.length} tensors clamped to ±65504: ${r.clamped.slice(0, 3).map((c) => `"${c.tensor}" (${c.count})`).join(', ')}${r.clamped.length > 3 ? ', …' : ''}`);
  return { model: converted.model, note: notes.join('; ') };
}
