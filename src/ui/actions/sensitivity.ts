// Sensitivity curves for the Sensitivity tab, run in the worker on the chosen or bundled images.
import { isAborted } from '../../workers/client/studio-error';
import type { SensitivityRequest } from '../../workers/protocol';
import { studioClient } from '../services/clients';
import { useStudio } from '../store/store';
import { errorText } from './errors';
import { jobs } from './jobs';
import { calibrationImages } from './samples';
import { proxyProgress, toImageInputs, transferImages } from './transfer';

const s = () => useStudio.getState();

/**
 * Sensitivity analysis over `ratios` on the validation (or calibration) images; with `afterLsq`
 * every point is measured after a least-squares refit on the same images (one refit per point).
 */
export async function runSensitivity(ratios: number[], afterLsq = false): Promise<void> {
  const job = jobs.start('sensitivity');
  // Late progress (posted before the worker saw a cancel) and results for a replaced model are dropped.
  const show = job.whileLive((patch: Parameters<ReturnType<typeof s>['setSensitivity']>[0]) => s().setSensitivity(patch));
  try {
    const { criterion, preprocess } = s();
    if (!preprocess) return show({ error: 'Preprocessing is not known yet: open the Validate tab to choose it.' });
    show({ progress: { stage: 'start', fraction: 0, message: 'Preparing images' } });
    const images = await toImageInputs(s().validationImages.length ? s().validationImages : await calibrationImages());
    const request: Omit<SensitivityRequest, 'jobId'> = { criterion, ratios, images, preprocess, ...(afterLsq ? { recovery: 'lsq' as const } : {}) };
    const result = await studioClient().call(
      (api, jobId) => api.sensitivity(transferImages({ jobId, ...request }), proxyProgress((p) => show({ progress: p }))),
      job.signal,
    );
    show({ result });
  } catch (err) {
    if (job.isCurrent()) s().setSensitivity({ error: isAborted(err) || job.signal.aborted ? 'Cancelled.' : errorText(err) });
  } finally {
    jobs.finish(job);
  }
}
