// Channel scores for the heatmaps and for choosing which channels a ratio removes.
import { isAborted } from '../../workers/client/studio-error';
import type { Progress } from '../../workers/protocol';
import { studioClient } from '../services/clients';
import { useStudio } from '../store/store';
import type { ValidationImage } from '../store/validation-slice';
import { errorText } from './errors';
import { jobs } from './jobs';
import { calibrationImages } from './samples';
import { proxyProgress, toImageInputs, transferImages } from './transfer';

const s = () => useStudio.getState();

/** Scores every group with the current criterion (data criteria run on the calibration images). */
export async function scoreChannels(): Promise<void> {
  const job = jobs.start('score');
  const { criterion, criteria, preprocess, channelOrderBy: orderBy } = s();
  const needsImages = criteria.some((c) => (c.id === criterion || c.id === orderBy) && c.needsImages);
  const showProgress = job.whileLive((p: Progress) => s().setScoring(p));
  showProgress({ stage: 'score', fraction: 0, message: `Scoring channels (${criterion}${orderBy ? `, ordered by ${orderBy}` : ''})` });
  try {
    const images = needsImages ? await toImageInputs(await scoringImages()) : undefined;
    const scores = await studioClient().call(
      (api, jobId) => api.scoreGroups(transferImages({ jobId, criterion, orderBy, images, preprocess }), proxyProgress(showProgress)),
      job.signal,
    );
    if (job.isLive()) s().setScores(scores);
  } catch (err) {
    if (!job.isCurrent()) return; // a newer scoring run or another model owns the heatmaps now
    if (isAborted(err) || job.signal.aborted) s().setScoring(undefined);
    else s().setScores(undefined, errorText(err));
  } finally {
    jobs.finish(job);
  }
}

/** Images for data criteria: the user's own when they uploaded some (they match their model), else the bundled calibration set. */
function scoringImages(): Promise<ValidationImage[]> {
  const { validationImages, imagesSource } = s();
  const uploaded = validationImages.length > 0 && !imagesSource?.startsWith('bundled');
  return uploaded ? Promise.resolve(validationImages) : calibrationImages();
}
