// Export: the pruned (optionally recovered) model from the worker, the name it is saved under, and
// the status line the Export tab shows (in the store, so opening another model clears it).
import { isAborted } from '../../workers/client/studio-error';
import type { ExportResult, Progress } from '../../workers/protocol';
import { studioClient } from '../services/clients';
import type { ExportMessage } from '../store/export-slice';
import { useStudio } from '../store/store';
import { bytes, compact } from '../panels/panel-format';
import { downloadBytes } from './download';
import { errorText } from './errors';
import { jobs } from './jobs';
import { compressRequest, compressSuffix, currentCompress } from './compress';
import { currentPlan } from './plan';
import { recoveryImages, trainingJobEnded, trainingProgress, trainingRequest } from './training';
import { proxyProgress, transferImages } from './transfer';

const s = () => useStudio.getState();

/** "fmnist-resnet14.onnx" + 50 → "fmnist-resnet14.pruned-50.onnx" ("….pruned-50.fp16.onnx" in fp16, "….pruned-0.lowrank.sparse-2of4.onnx" with low rank and 2:4). */
export function prunedFileName(fileName: string, percent: number, fp16 = false, compressed = compressSuffix(currentCompress())): string {
  const base = fileName.replace(/\.onnx$/i, '');
  return `${base}.pruned-${Math.round(percent)}${compressed}${fp16 ? '.fp16' : ''}.onnx`;
}

/** The plan's headline ratio in percent: the mean ratio over the prunable groups. */
export function headlinePercent(): number {
  const { groups, ratios } = s();
  const ids = (groups ?? []).filter((g) => g.prunable).map((g) => g.id);
  if (ids.length === 0) return 0;
  return (100 * ids.reduce((sum, id) => sum + (ratios[id] ?? 0), 0)) / ids.length;
}

/**
 * Prunes (and optionally recovers) in the worker, downloads the model and says what was saved.
 * A cancelled export says so; one for a model no longer open neither downloads nor reports.
 */
export async function runExport(): Promise<void> {
  const job = jobs.start('export');
  const show = job.whileLive((patch: { progress?: Progress; message?: ExportMessage }) => s().setExport(patch));
  const { recovery, preprocess, summary, exportFp16: fp16 } = s();
  const training = trainingRequest();
  const outName = prunedFileName(summary?.fileName ?? 'model.onnx', headlinePercent(), fp16);
  show({ progress: { stage: 'start', fraction: 0, message: 'Preparing' } });
  let trainingJob: number | undefined;
  try {
    const plan = currentPlan();
    const calibration = await recoveryImages(recovery);
    const compress = await compressRequest();
    const result = await studioClient().call((api, jobId) => {
      trainingJob = jobId;
      const progress = trainingProgress(job, 'export', jobId, recovery, (p) => show({ progress: p }));
      return api.exportPruned(transferImages({ jobId, plan, recovery, training, calibration, preprocess, fp16, compress }), proxyProgress(progress));
    }, job.signal);
    if (!job.isLive()) return;
    downloadBytes(result.bytes, outName, 'application/octet-stream');
    s().setExport({ message: { text: savedText(outName, result) } });
  } catch (err) {
    if (!job.isCurrent()) return;
    s().setExport({ message: isAborted(err) || job.signal.aborted ? { text: 'Cancelled.' } : { text: errorText(err), error: true } });
  } finally {
    trainingJobEnded(trainingJob);
    jobs.finish(job);
  }
}

function savedText(outName: string, result: ExportResult): string {
  const recovered = result.recoveryNote ? ` Recovery: ${result.recoveryNote}.` : '';
  const fp16 = result.fp16Note ? ` fp16: ${result.fp16Note}.` : '';
  const compressed = result.compressNote ? ` Also ${result.compressNote}.` : '';
  return `Saved ${outName}: ${bytes(result.bytes.byteLength)}, ${compact(result.after.params)} parameters.${recovered}${compressed}${fp16}`;
}
