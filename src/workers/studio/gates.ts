// Learn with gates in the studio: core/train/gates.ts (GDP, what `prune --criterion gates` runs)
// in the studio worker on the chosen images, with the shared trainer's progress, pause/stop
// (training-control.ts) and best checkpoint. Live: the loss curve's events (as distillation sends
// them) and, after steps, the gate histogram and kept channels (core/train/gates-live.ts). At the
// end the learnt plan becomes an ordinary studio plan (ratios, criterion "gates", the gate values as
// that criterion's scores, so the ratios select exactly the learnt channels) and the learnt model
// (pruned, folded, refit and fine-tuned) is what Validate and Export use for that plan.
import { costOfPlan } from '../../core/metrics/plan-cost';
import { planModelInfo, PLAN_FORMAT, PLAN_VERSION, type PrunePlan } from '../../core/prune/plan';
import { DEFAULT_GATES_SETTINGS, learnGates, type GatesResult } from '../../core/train/gates';
import { liveGates } from '../../core/train/gates-live';
import { trainingImages } from '../../core/train/images';
import type { GatesOutcome, GatesRequest, PlanInput, Progress, ProgressCallback, TrainingEvent } from '../protocol';
import { abortedJobError, jobAbortSignal, JobError } from '../jobs';
import { requireLoadedModel, type LoadedModel } from './loaded-model';
import { planKey } from './plan';
import type { PreparedModel } from './prepare-pruned';
import { analysisOf, costModelOf, metricsOf, storeScores } from './pruning-cache';
import { imageBatches, SCORE_IMAGES } from './scores';
import { jobRunner } from './job-runner';
import { placeNote, trainingPlace } from './training-place';
import { taskOverridesOf } from './output-tasks';
import { trainingControl } from './training-control';

/** The criterion id of a learnt plan (core's planRemoving writes the same). */
export const GATES_CRITERION = 'gates';
/** Live gate events at most this often (plus the last step of each epoch). */
const LIVE_EVERY_MS = 250;

// The learnt model of each loaded model, keyed by its studio plan: Validate and Export serve it.
const learnt = new WeakMap<LoadedModel, { key: string; prepared: PreparedModel }>();

/** The learnt model when `plan` is the plan the last Learn-with-gates run produced for this model. */
export function learntModel(loaded: LoadedModel, plan: PlanInput): PreparedModel | undefined {
  const entry = learnt.get(loaded);
  return entry && plan.criterion === GATES_CRITERION && entry.key === planKey(loaded, plan) ? entry.prepared : undefined;
}

/** Trains the gates, then installs the learnt plan and model; see the file comment. */
export async function learnGatesJob(request: GatesRequest, onProgress?: ProgressCallback): Promise<GatesOutcome> {
  const loaded = requireLoadedModel();
  const { jobId } = request;
  if (!(request.keepMacs > 0 && request.keepMacs < 1)) throw new JobError('internal', `The MACs target must keep between 0 and 100 % of the MACs (got ${(request.keepMacs * 100).toFixed(0)} %).`, 'Set the target with the Global slider.');
  if (!request.images.length) throw new JobError('internal', 'Learning with gates needs training images, and none were given.', 'Train on the bundled images, or add your own.');
  let fraction = 0;
  const report = (f: number, message: string, extra: Pick<Progress, 'training' | 'gates'> = {}) => onProgress?.({ stage: 'gates', fraction: (fraction = f), message, ...extra });
  const event = (training: TrainingEvent) => ({ training });
  const n = request.images.length;
  const batches = await imageBatches(loaded, request.images, request.preprocess, jobId, (done) => report(0.05 * (done / n), `Preprocessing ${done}/${n} training images`));
  // The Taylor importance and the refit read at most the studio's share of images for a pass (the browser is slower than the CLI).
  const settings = {
    ...DEFAULT_GATES_SETTINGS, keep: request.keepMacs, epochs: request.epochs, lr: request.lr, fineTuneLr: request.lr,
    importanceImages: Math.min(DEFAULT_GATES_SETTINGS.importanceImages, SCORE_IMAGES), refitImages: Math.min(DEFAULT_GATES_SETTINGS.refitImages, SCORE_IMAGES),
  };
  const control = trainingControl(jobId, (paused) => report(fraction, paused ? `Gates paused at step ${step}` : `Gates resumed at step ${step}`, event({ kind: paused ? 'paused' : 'resumed', step })));
  const signal = jobAbortSignal(jobId);
  const base = metricsOf(loaded).macs;
  const costModel = costModelOf(loaded);
  // The fine-tuning after the removal counts its steps from 1 again: its steps follow the gates' on the curve,
  // and the bar gives each phase its share of the epochs (split as core's learnGates splits them).
  const tuneShare = settings.epochs > 1 ? Math.min(settings.epochs - 1, Math.floor(settings.fineTune * settings.epochs)) / settings.epochs : 0;
  let step = 0;
  let offset = 0;
  let last = 0;
  let lastTotal = 0;
  let sentAt = -Infinity;
  const place = await trainingPlace(jobId, request.backend);
  const where = `Gates (${place.short})`;
  report(0.05, `${where}: Taylor importance, then ${settings.epochs} epochs on ${n} images`, event({ kind: 'start', epochs: settings.epochs, images: n, backend: place.label }));
  let result: GatesResult;
  try {
    result = await learnGates({
      runner: jobRunner(jobId), trainingRunner: place.runner, model: loaded.model, analysis: analysisOf(loaded), images: trainingImages(batches), settings,
      tasks: taskOverridesOf(loaded), signal: control.stop, gate: control.gate,
      onStep: (done, total, loss) => {
        if (done < last) offset += lastTotal;
        last = done;
        lastTotal = total;
        step = offset + done;
        const f = Math.min(1, done / Math.max(1, total));
        report(0.05 + 0.9 * (offset ? 1 - tuneShare + tuneShare * f : (1 - tuneShare) * f), `${where}: step ${done}/${total}${offset ? ' (fine-tuning)' : ''}`, event({ kind: 'step', step, total: offset + total, loss }));
      },
      onEpoch: (e) => {
        const agreement = e.heldOutAgreement === undefined ? '' : `, held-out agreement ${(e.heldOutAgreement * 100).toFixed(1)} %`;
        const { epoch, trainLoss, heldOutLoss, heldOutAgreement, best, seconds } = e;
        report(fraction, e.epoch === 0 ? `${where}: start${agreement}` : `${where}: epoch ${epoch}/${settings.epochs}${e.phase === 'fine-tune' ? ' (fine-tuning)' : ''}, ${e.zeroGates} gates at 0${agreement}`,
          event({ kind: 'epoch', epoch, heldOutLoss, best, seconds, ...(trainLoss !== undefined ? { trainLoss } : {}), ...(heldOutAgreement !== undefined ? { heldOutAgreement } : {}) }));
      },
      onGates: (gates, done, total) => {
        const now = performance.now();
        if (now - sentAt < LIVE_EVERY_MS && done < total) return;
        sentAt = now;
        const live = liveGates(gates);
        const plan: PrunePlan = { format: PLAN_FORMAT, version: PLAN_VERSION, model: planModelInfo(loaded.model), criterion: GATES_CRITERION, groups: {} };
        for (const [id, keep] of Object.entries(live.kept)) if (keep.length < gates.get(id)!.length) plan.groups[id] = { channels: gates.get(id)!.length, keep };
        const macs = costModel && base ? costOfPlan(costModel, plan)?.macs : undefined;
        report(fraction, `${where}: step ${done}/${total}, ${(live.histogram.undecided * 100).toFixed(1)} % of the gates undecided`,
          { gates: { step: done, total, histogram: live.histogram, kept: live.kept, keptChannels: live.keptChannels, totalChannels: live.totalChannels, ...(macs !== undefined ? { macsKept: macs / base } : {}) } });
      },
    });
  } catch (err) {
    if (signal.aborted) throw abortedJobError();
    if (err instanceof JobError) throw err;
    throw new JobError('internal', `Learning with gates failed: ${(err as Error).message}.`, 'Try a lower learning rate, or another allocation (the gates need a model whose groups can carry them).');
  } finally {
    control.dispose();
  }
  report(0.97, 'Gates: installing the learnt plan');
  return installLearnt(loaded, result, placeNote(place));
}

/** Stores the gate values as the "gates" criterion's scores and the learnt model under its plan; returns the outcome (`trainedOn`: "on WebGPU"). */
export function installLearnt(loaded: LoadedModel, result: GatesResult, trainedOn = 'on WASM'): GatesOutcome {
  const scores = new Map<string, Float64Array>();
  const ratios: Record<string, number> = {};
  for (const g of analysisOf(loaded).groups) {
    if (!g.prunable) continue;
    const gates = result.gates.get(g.id);
    const kept = result.plan.groups[g.id]?.keep;
    const keptSet = new Set(kept ?? []);
    // A kept channel always outranks a removed one (a channel the plan's repair kept may have a gate of 0).
    scores.set(g.id, Float64Array.from({ length: g.channels }, (_, c) => (!kept ? gates?.[c] ?? 1 : keptSet.has(c) ? Math.max(gates?.[c] ?? 1, 1e-6) : 0)));
    if (kept) ratios[g.id] = 1 - kept.length / g.channels;
  }
  storeScores(loaded, GATES_CRITERION, scores);
  const plan: PlanInput = { ratios, roundTo: 1, criterion: GATES_CRITERION };
  const summary = gatesSummary(result, trainedOn);
  learnt.set(loaded, { key: planKey(loaded, plan), prepared: { model: result.model, plan: result.plan, recoveryNote: summary } });
  const { histogram, histogramBeforeForcing, macs, skipped, note } = result;
  return { plan, stoppedBy: result.training.stoppedBy, summary, histogram, macs, skipped, ...(histogramBeforeForcing ? { histogramBeforeForcing } : {}), ...(note ? { note } : {}) };
}

/** "learnt with gates: 61 of 208 gates at 0, 49.7 % of the MACs kept (target 50 %); 0.4 % undecided before the budget was forced; …". */
function gatesSummary(r: GatesResult, trainedOn: string): string {
  const t = r.training;
  const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
  const polarised = r.histogramBeforeForcing ? `; ${pct(r.histogramBeforeForcing.undecided)} of the gates undecided before the budget was forced` : '';
  const tunedEpochs = (r.fineTune?.history.length ?? 1) - 1;
  const tuned = r.fineTune ? `, then refit and fine-tuned ${tunedEpochs} epoch${tunedEpochs === 1 ? '' : 's'} (best: ${r.fineTune.bestEpoch ? `epoch ${r.fineTune.bestEpoch}` : 'the refit model'})` : '';
  const stopped = t.stoppedBy === 'cancelled' ? ' (training cancelled: the best gates so far were used, refit by least squares, not fine-tuned)' : '';
  return `learnt with gates: ${r.histogram.zero} of ${r.histogram.total} gates at 0, ${pct(r.macs.kept / r.macs.base)} of the MACs kept (target ${pct(r.macs.target / r.macs.base)})${polarised}; `
    + `${t.history.length - 1} epochs on ${t.images.train} images (best: epoch ${t.bestEpoch})${tuned}, ${(t.seconds + (r.fineTune?.seconds ?? 0)).toFixed(0)} s ${trainedOn}${stopped}`
    + `${r.note ? ` — ${r.note}` : ''}. The training refits and distils, so the recovery choice does not apply to this plan.`;
}
