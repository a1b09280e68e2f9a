// Learn with gates: trains GDP gates in the studio worker toward the Global control's MACs target on
// the training images (the same choice as distillation: bundled and/or the user's), feeds the live
// curve and gates, and at the end installs the learnt plan as ordinary ratios with criterion "gates"
// (one undo step), which Validate and Export then serve as the learnt model. Pause / Resume / Cancel
// go to the training job like distillation's; Cancel keeps the best gates so far and still installs.
import { isAborted } from '../../workers/client/studio-error';
import type { CriterionInfo, GatesOutcome, TrainingControlRequest } from '../../workers/protocol';
import { studioClient } from '../services/clients';
import { useStudio } from '../store/store';
import { errorText } from './errors';
import { jobs } from './jobs';
import { recoveryImages } from './training';
import { proxyProgress, transferImages } from './transfer';

const s = () => useStudio.getState();

/** The switcher's entry for the learnt gates (offered once a run has installed them). */
export const GATES_CRITERION: CriterionInfo = {
  id: 'gates', name: 'Learnt gates',
  description: 'The gate values GDP learnt (Ratios → Learn with gates): channels at 0 go; the rest rank by their gate.',
  needsImages: false,
};

/** Starts a Learn-with-gates run for the Global control's target (the share of MACs to remove). */
export async function learnWithGates(): Promise<void> {
  const job = jobs.start('gates');
  const { preprocess, globalTarget, gatesTraining, backend } = s();
  const keepMacs = 1 - globalTarget;
  s().gatesStarted(keepMacs);
  let jobId: number | undefined;
  try {
    if (!preprocess) throw new Error('The model’s preprocessing is not known yet: wait for the analysis, or choose a preset in the Validate tab.');
    if (!(keepMacs > 0 && keepMacs < 1)) throw new Error('Set a target between 5 % and 95 % of the MACs to remove with the Global slider.');
    const images = (await recoveryImages('distill'))!;
    const outcome = await studioClient().call((api, id) => {
      jobId = id;
      s().gatesJob(id);
      const progress = job.whileLive((p: Parameters<ReturnType<typeof s>['gatesProgress']>[1]) => s().gatesProgress(id, p));
      return api.learnGates(transferImages({ jobId: id, keepMacs, epochs: gatesTraining.epochs, lr: gatesTraining.lr, images, preprocess, backend }), proxyProgress(progress));
    }, job.signal);
    if (!job.isLive()) return;
    installLearntPlan(outcome);
    s().gatesEnded(jobId, { outcome });
  } catch (err) {
    if (job.isCurrent()) s().gatesEnded(jobId, { error: isAborted(err) || job.signal.aborted ? 'Cancelled: the plan is unchanged.' : errorText(err) });
  } finally {
    jobs.finish(job);
  }
}

/** The learnt plan as the current plan: criterion "gates" (its scores are the gates), no rounding, the ratios in one undo step. */
export function installLearntPlan(outcome: GatesOutcome): void {
  const st = s();
  if (!st.criteria.some((c) => c.id === GATES_CRITERION.id)) st.setCriteria([...st.criteria, GATES_CRITERION]);
  st.setRoundTo(outcome.plan.roundTo);
  st.setCriterion(outcome.plan.criterion);
  st.applyRatios(outcome.plan.ratios);
}

/** Abandons the run: nothing is installed. */
export const cancelGates = (): void => jobs.cancel('gates');

async function control(action: TrainingControlRequest['action']): Promise<boolean> {
  const run = s().gatesRun;
  if (!run?.running || run.jobId === undefined) return false;
  if (action === 'stop') s().gatesStopRequested();
  if (action === 'pause') s().gatesPauseRequested();
  const target = run.jobId;
  return studioClient().call((api, jobId) => api.controlTraining({ jobId, target, action }));
}

/** Holds the training before its next step. */
export const pauseGates = (): Promise<boolean> => control('pause');
export const resumeGates = (): Promise<boolean> => control('resume');
/** Ends training after the current step; the best gates so far are pruned and installed. */
export const stopGates = (): Promise<boolean> => control('stop');
