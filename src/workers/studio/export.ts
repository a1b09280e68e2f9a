// Export: the pruned model, recovered on the calibration images when asked (core/recover: BN
// recalibration, bias correction or least squares), encoded, with its plan JSON and report.
import { buildGraph } from '../../core/graph/ir';
import { computeMetrics } from '../../core/metrics/model-metrics';
import { encodeModel } from '../../core/onnx/codec';
import { recoverPruned } from '../../core/recover/recover';
import type { ExportRequest, ExportResult, ProgressCallback } from '../protocol';
import { JobError } from '../jobs';
import { requireLoadedModel } from './loaded-model';
import { prunedModel } from './plan';
import { analysisOf, jobSignal, metricsOf } from './pruning-cache';
import { imageBatches, wasmRunner } from './scores';

/** Recovery uses at most this many calibration images (the core default is 512; the browser is slower). */
export const RECOVERY_IMAGES = 256;

/** Prunes the loaded model with the plan, recovers it if asked, and encodes it. */
export async function exportPruned(request: ExportRequest, onProgress?: ProgressCallback): Promise<ExportResult> {
  const loaded = requireLoadedModel();
  const { jobId, recovery } = request;
  const report = (stage: string, fraction: number, message: string) => onProgress?.({ stage, fraction, message });
  report('prune', 0.05, 'Pruning');
  const pruned = await prunedModel(loaded, request.plan, jobId);
  let model = pruned.model;
  let recoveryNote: string | undefined;
  if (recovery !== 'none' && model !== loaded.model) {
    if (!request.calibration?.length || !request.preprocess) {
      throw new JobError('internal', `Recovery (${recovery}) needs calibration images.`, 'Choose "None", or load a model that has bundled calibration samples.');
    }
    const images = request.calibration.slice(0, RECOVERY_IMAGES);
    const batches = await imageBatches(loaded, images, request.preprocess, jobId,
      (done) => report('decode', 0.05 + 0.15 * (done / images.length), `Preprocessing ${done}/${images.length} calibration images`));
    const { signal, poll } = jobSignal(jobId);
    try {
      const recovered = await recoverPruned(loaded.model, model, pruned.plan, recovery, {
        runner: wasmRunner, batches, signal,
        onProgress: (done, total) => {
          poll();
          report('recover', 0.2 + 0.6 * (done / Math.max(1, total)), `Recovery (${recovery}): layer ${done}/${total}`);
        },
      }, analysisOf(loaded));
      model = recovered.model;
      const r = recovered.report;
      recoveryNote = `${recovery} on ${r.images} images: calibration KL ${r.lossBefore.toFixed(4)} → ${r.lossAfter.toFixed(4)}`;
    } catch (err) {
      if (signal.aborted) throw new JobError('aborted', 'The operation was cancelled.', '');
      throw new JobError('internal', `Recovery (${recovery}) failed: ${(err as Error).message}.`, 'Export without recovery, or try another method.');
    }
  }
  report('encode', 0.85, 'Encoding the pruned model');
  const bytes = model === loaded.model ? loaded.bytes.slice() : encodeModel(model);
  const m = model === loaded.model ? metricsOf(loaded) : computeMetrics(buildGraph(model));
  // A standalone buffer: `bytes` may be a view into a bigger one.
  const out = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : bytes.slice().buffer;
  report('done', 1, 'Done');
  return {
    bytes: out, planJson: JSON.stringify(pruned.plan, null, 2), after: { params: m.params, macs: m.macs, bytes: m.bytes },
    ...(recoveryNote ? { recoveryNote } : {}),
  };
}
