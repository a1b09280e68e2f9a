// Export: the pruned (optionally recovered) model from the worker, and the name it is saved under.
import { isAborted } from '../../workers/client/studio-error';
import type { ExportResult, Progress, RecoveryMethod } from '../../workers/protocol';
import { studioClient } from '../services/clients';
import { useStudio } from '../store/store';
import { jobs } from './jobs';
import { currentPlan } from './plan';
import { calibrationImages } from './samples';
import { proxyProgress, toImageInputs, transferImages } from './transfer';

const s = () => useStudio.getState();

/** "fmnist-resnet14.onnx" + 50 → "fmnist-resnet14.pruned-50.onnx". */
export function prunedFileName(fileName: string, percent: number): string {
  const base = fileName.replace(/\.onnx$/i, '');
  return `${base}.pruned-${Math.round(percent)}.onnx`;
}

/** The plan's headline ratio in percent: the mean ratio over the prunable groups. */
export function headlinePercent(): number {
  const { groups, ratios } = s();
  const ids = (groups ?? []).filter((g) => g.prunable).map((g) => g.id);
  if (ids.length === 0) return 0;
  return (100 * ids.reduce((sum, id) => sum + (ratios[id] ?? 0), 0)) / ids.length;
}

/** Prunes (and optionally recovers) in the worker; resolves to the result or undefined when cancelled. */
export async function exportPrunedModel(recovery: RecoveryMethod, onProgress: (p: Progress) => void): Promise<ExportResult | undefined> {
  const job = jobs.start('export');
  const plan = currentPlan();
  const preprocess = s().preprocess;
  const calibration = recovery === 'none' ? undefined : await toImageInputs(await calibrationImages());
  try {
    return await studioClient().call(
      (api, jobId) => api.exportPruned(transferImages({ jobId, plan, recovery, calibration, preprocess }), proxyProgress(onProgress)),
      job.signal,
    );
  } catch (err) {
    if (isAborted(err)) return undefined;
    throw err;
  }
}
