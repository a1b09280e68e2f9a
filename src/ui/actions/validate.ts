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
  // Late progress (posted before the worker saw a cancel) and reports for a replaced model are dropped.
  const show = job.whileLive((patch: Parameters<ReturnType<typeof s>['setValidation']>[0]) => s().setValidation(patch));
  try {
    const { preprocess, backend, validationImages, recovery, training } = s();
    if (!preprocess) return show({ error: 'Choose a preprocessing preset first.' });
    if (validationImages.length === 0) return show({ error: 'Choose images first: use the bundled samples or upload some.' });
    show({ progress: { stage: 'start', fraction: 0, message: 'Reading images' } });
    const images = await toImageInputs(validationImages);
    const plan = currentPlan();
    // Validate what export would write: the same recovery, on the same bundled calibration images.
    const calibration = recovery === 'none' ? undefined : await toImageInputs(await calibrationImages());
    const report = await studioClient().call(
      (api, jobId) => api.validate(transferImages({ jobId, images, preprocess, backend, plan, recovery, training, calibration }), proxyProgress((p) => show({ progress: p }))),
      job.signal,
    );
    show({ report });
  } catch (err) {
    if (job.isCurrent()) s().setValidation({ error: isAborted(err) || job.signal.aborted ? 'Cancelled.' : errorText(err) });
  } finally {
    jobs.finish(job);
  }
}
