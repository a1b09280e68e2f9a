// Validate: original vs pruned model on the chosen images, on the chosen backend.
import { isAborted } from '../../workers/client/studio-error';
import { studioClient } from '../services/clients';
import { useStudio } from '../store/store';
import { errorText } from './errors';
import { jobs } from './jobs';
import { currentPlan } from './plan';
import { calibrationImages } from './samples';
import { proxyProgress, toImageInputs, transferImages } from './transfer';

const s = () => useStudio.getState();

/** Original vs pruned on the chosen images, on the chosen backend. */
export async function runValidation(): Promise<void> {
  const job = jobs.start('validate');
  const { preprocess, backend, validationImages, recovery } = s();
  if (!preprocess) return s().setValidation({ error: 'Choose a preprocessing preset first.' });
  if (validationImages.length === 0) return s().setValidation({ error: 'Choose images first: use the bundled samples or upload some.' });
  s().setValidation({ progress: { stage: 'start', fraction: 0, message: 'Reading images' } });
  try {
    const images = await toImageInputs(validationImages);
    const plan = currentPlan();
    // Validate what export would write: the same recovery, on the same bundled calibration images.
    const calibration = recovery === 'none' ? undefined : await toImageInputs(await calibrationImages());
    const report = await studioClient().call(
      (api, jobId) => api.validate(transferImages({ jobId, images, preprocess, backend, plan, recovery, calibration }), proxyProgress((p) => s().setValidation({ progress: p }))),
      job.signal,
    );
    s().setValidation({ report });
  } catch (err) {
    s().setValidation({ error: isAborted(err) ? 'Cancelled.' : errorText(err) });
  }
}
