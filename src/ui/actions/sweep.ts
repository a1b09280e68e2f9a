// The Trade-offs sweep: for every series (criterion × allocation) and MACs target, one worker call
// plans the target and validates it as the Validate tab does (workers/studio/tradeoffs.ts). Points
// land in the store as they finish, so Cancel (the worker's job cancellation) keeps those done; a
// new model drops the sweep with its other results (store/per-model.ts).
import { describeBackend } from '../../runtime/wasm-threads';
import { isAborted } from '../../workers/client/studio-error';
import type { ImageInput, SweepPointResult } from '../../workers/protocol';
import { emptySweep, sweepCriteriaOf, sweepOrder, sweepSeries, timeLeftMs, type SweepPoint, type SweepResult } from '../charts/tradeoffs-data';
import { studioClient } from '../services/clients';
import { useStudio } from '../store/store';
import { errorText } from './errors';
import { jobs } from './jobs';
import { calibrationImages, fetchSampleSet } from './samples';
import { proxyProgress, toImageInputs, transferImages } from './transfer';
import { trainingRequest } from './training';
import { sweepMeasureOf, type SweepMeasure } from '../validation-measures';

const s = () => useStudio.getState();

/** The sweep's measure without one point's value, as the result keeps it. */
function withoutValue(m: ReturnType<typeof sweepMeasureOf>): { measure: SweepMeasure } | undefined {
  if (!m) return undefined;
  const { value: _value, ...measure } = m;
  return { measure };
}

function toPoint(series: string, target: number, r: SweepPointResult): SweepPoint {
  // A segmentation or dense model is plotted in its own task's measure (the class labels do not apply to it).
  const measure = sweepMeasureOf(r.report);
  return {
    series, target, macsKept: r.macsKept, accuracy: measure ? undefined : r.report.pruned.accuracy, agreement: measure?.value ?? r.report.pruned.agreement,
    latencyMs: r.report.pruned.latencyMs, params: r.params, plan: r.plan, met: r.met, seconds: r.seconds,
  };
}

/** Runs the sweep; the points done stay in the store however it ends. */
export async function runSweep(): Promise<void> {
  const job = jobs.start('sweep');
  const { sweepTargets, sweepAllocations, preprocess, backend, recovery, roundTo } = s();
  const training = trainingRequest();
  const series = sweepSeries(sweepCriteriaOf(s().sweepCriteria, s().criterion, s().criteria), sweepAllocations);
  const order = sweepOrder(series, sweepTargets.map((t) => t / 100));
  let result: SweepResult = emptySweep(series, sweepTargets, recovery);
  const show = job.whileLive((next: SweepResult, progress?: Parameters<ReturnType<typeof s>['setSweep']>[1]) => s().setSweep(next, progress));
  const end = (patch: Partial<SweepResult>) => {
    if (job.isCurrent()) s().setSweep({ ...result, ...patch });
  };
  try {
    if (!preprocess) return end({ state: 'failed', error: 'The model’s preprocessing is not known yet: open the Validate tab to choose it.' });
    if (order.length === 0) return end({ state: 'failed', error: 'Choose at least one allocation and one MACs target.' });
    s().selectSweepPoint(undefined);
    show(result, { done: 0, total: order.length, fraction: 0, message: 'Reading images' });
    // The Validate tab's images; none chosen yet: the bundled samples, chosen for both tabs.
    if (s().validationImages.length === 0) {
      const bundled = await fetchSampleSet('test');
      if (!job.isLive()) return;
      s().setValidationImages(bundled, `bundled samples (${bundled.length} labelled images)`);
    }
    const chosen = s().validationImages;
    result = { ...result, images: chosen.length };
    // Read once per sweep; each point sends copies (sending moves the buffers to the worker, and
    // copying 300 small images is far cheaper on the main thread than reading 300 Blobs again).
    const imageSet = await toImageInputs(chosen);
    const calibrationSet = recovery === 'none' ? undefined : await toImageInputs(await calibrationImages());
    const copies = (list: ImageInput[]) => list.map((img) => ({ ...img, bytes: img.bytes.slice(0) }));
    const done: number[] = [];
    for (const [k, { series: line, target }] of order.entries()) {
      const started = performance.now();
      const head = `Point ${k + 1} of ${order.length}: ${line.label}, ${Math.round(target * 100)} % of MACs`;
      const estimate = () => timeLeftMs(done, order.length - k, performance.now() - started);
      show(result, { done: k, total: order.length, fraction: k / order.length, message: head, timeLeftMs: estimate() });
      const images = copies(imageSet);
      const calibration = calibrationSet && copies(calibrationSet);
      const r = await studioClient().call(
        (api, jobId) => api.sweepPoint(
          transferImages({ jobId, images, preprocess, backend, recovery, training, calibration, keepMacs: target, allocation: line.allocation, criterion: line.criterion, roundTo }),
          proxyProgress((p) => show(result, { done: k, total: order.length, fraction: (k + p.fraction) / order.length, message: `${head} — ${p.message}`, timeLeftMs: estimate() })),
        ),
        job.signal,
      );
      done.push(performance.now() - started);
      result = {
        ...result, points: [...result.points, toPoint(line.id, target, r)], backend: describeBackend(r.report.backend, r.report.threads),
        baseline: result.baseline ?? { accuracy: r.report.original.accuracy, latencyMs: r.report.original.latencyMs },
        ...(withoutValue(sweepMeasureOf(r.report)) ?? {}),
      };
      // The last point goes to the store with the end of the sweep, in one update.
      if (k + 1 < order.length) show(result, { done: k + 1, total: order.length, fraction: (k + 1) / order.length, message: head, timeLeftMs: timeLeftMs(done, order.length - k - 1) });
    }
    end({ state: 'done' });
  } catch (err) {
    if (isAborted(err) || job.signal.aborted) end({ state: 'cancelled' });
    else end({ state: 'failed', error: errorText(err) });
  } finally {
    jobs.finish(job);
  }
}

/** Loads a point's plan into the studio (ratios as one undo step, its ranking criterion and rounding). */
export function loadSweepPoint(index: number): void {
  const point = s().sweep?.points[index];
  if (!point) return;
  const { plan } = point;
  if (s().criterion !== plan.criterion) s().setCriterion(plan.criterion);
  if (s().roundTo !== plan.roundTo) s().setRoundTo(plan.roundTo);
  s().applyRatios(plan.ratios);
  s().selectSweepPoint(index);
}
