// Validate: original vs pruned model on the chosen images, on the chosen backend.
import { isAborted } from '../../workers/client/studio-error';
import { studioClient } from '../services/clients';
import { useStudio } from '../store/store';
import { errorText } from './errors';
import { jobs } from './jobs';
import { compressRequest } from './compress';
import { currentPlan } from './plan';
import { recoveryImages, trainingJobEnded, trainingProgress, trainingRequest } from './training';
import { proxyProgress, toImageInputs, transferImages } from './transfer';

const s = () => useStudio.getState();

/** Original vs pruned on the chosen images, on the chosen backend. */
export async function runValidation(): Promise<void> {
  const job = jobs.start('validate');
  // Late progress (posted before the worker saw a cancel) and reports for a replaced model are dropped.
  const show = job.whileLive((patch: Parameters<ReturnType<typeof s>['setValidation']>[0]) => s().setValidation(patch));
  let trainingJob: number | undefined;
  try {
    const { preprocess, backend, validationImages, recovery } = s();
    const training = trainingRequest();
    if (!preprocess) return show({ error: 'Choose a preprocessing preset first.' });
    if (validationImages.length === 0) return show({ error: 'Choose images first: use the bundled samples or upload some.' });
    show({ progress: { stage: 'start', fraction: 0, message: 'Reading images' } });
    const images = await toImageInputs(validationImages);
    const plan = currentPlan();
    // Validate what export would write: the same recovery, on the same images (training.ts).
    const calibration = await recoveryImages(recovery);
    const compress = await compressRequest();
    const report = await studioClient().call((api, jobId) => {
      trainingJob = jobId;
      const progress = trainingProgress(job, 'validate', jobId, recovery, (p) => show({ progress: p }));
      return api.validate(transferImages({ jobId, images, preprocess, backend, plan, recovery, training, calibration, compress }), proxyProgress(progress));
    }, job.signal);
    show({ report });
  } catch (err) {
    if (job.isCurrent()) s().setValidation({ error: isAborted(err) || job.signal.aborted ? 'Cancelled.' : errorText(err) });
  } finally {
    trainingJobEnded(trainingJob);
    jobs.finish(job);
  }
}
