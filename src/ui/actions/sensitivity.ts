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

/** Sensitivity analysis over `ratios` on the validation (or calibration) images. */
export async function runSensitivity(ratios: number[]): Promise<void> {
  const job = jobs.start('sensitivity');
  const { criterion, preprocess } = s();
  if (!preprocess) return s().setSensitivity({ error: 'Preprocessing is not known yet: open the Validate tab to choose it.' });
  s().setSensitivity({ progress: { stage: 'start', fraction: 0, message: 'Preparing images' } });
  try {
    const images = await toImageInputs(s().validationImages.length ? s().validationImages : await calibrationImages());
    const request: Omit<SensitivityRequest, 'jobId'> = { criterion, ratios, images, preprocess };
    const result = await studioClient().call(
      (api, jobId) => api.sensitivity(transferImages({ jobId, ...request }), proxyProgress((p) => s().setSensitivity({ progress: p }))),
      job.signal,
    );
    s().setSensitivity({ result });
  } catch (err) {
    s().setSensitivity({ error: isAborted(err) ? 'Cancelled.' : errorText(err) });
  }
}
