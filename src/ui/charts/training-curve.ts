// The live training curve as data: the worker's training events (workers/protocol.ts
// TrainingEvent: small numbers, never tensors) folded into one run record, and that record turned
// into what the chart draws. Pure, so the store and the tests share it.
import type { TrainingEvent } from '../../workers/protocol';

export interface EpochPoint {
  epoch: number;
  trainLoss?: number;
  heldOutLoss: number;
  heldOutAgreement?: number;
  /** This epoch's parameters were the best so far when it ended. */
  best: boolean;
  seconds: number;
}

/** One training run as the page knows it. */
export interface TrainingCurve {
  epochs: number;
  images: number;
  backend: string;
  /** Mean loss per image of each step's batch, in step order. */
  steps: number[];
  /** Steps the run will take (changes when the batch is halved after running out of memory). */
  totalSteps: number;
  epochPoints: EpochPoint[];
  paused: boolean;
}

/** A new curve from a `start` event. */
export function startCurve(event: Extract<TrainingEvent, { kind: 'start' }>): TrainingCurve {
  return { epochs: event.epochs, images: event.images, backend: event.backend, steps: [], totalSteps: 0, epochPoints: [], paused: false };
}

/** The curve after `event` (a new object; `start` begins a new curve). */
export function applyTrainingEvent(curve: TrainingCurve | undefined, event: TrainingEvent): TrainingCurve | undefined {
  if (event.kind === 'start') return startCurve(event);
  if (!curve) return undefined;
  switch (event.kind) {
    case 'step': {
      const steps = curve.steps.slice(0, event.step - 1);
      steps[event.step - 1] = event.loss;
      return { ...curve, steps, totalSteps: event.total };
    }
    case 'epoch': {
      const { kind: _kind, ...point } = event;
      return { ...curve, epochPoints: [...curve.epochPoints.filter((p) => p.epoch !== point.epoch), point] };
    }
    case 'paused':
    case 'resumed':
      return { ...curve, paused: event.kind === 'paused' };
  }
}

/** The epoch whose parameters the run keeps: the last one that was best when it ended (0 = the start). */
export function bestEpoch(curve: TrainingCurve): number | undefined {
  const best = curve.epochPoints.filter((p) => p.best);
  return best.length ? best[best.length - 1]!.epoch : undefined;
}

/**
 * Exponential moving average with bias correction (as TensorBoard smooths): the first values are
 * not pulled towards 0, and `weight` 0 returns the input.
 */
export function smooth(values: readonly number[], weight = 0.6): number[] {
  let ema = 0;
  return values.map((v, i) => {
    ema = weight * ema + (1 - weight) * v;
    return ema / (1 - weight ** (i + 1));
  });
}

export interface CurveSeries {
  /** [epoch (fractional: step / steps per epoch), smoothed training loss]. */
  trainLoss: [number, number][];
  /** [epoch, held-out loss], the start included as epoch 0. */
  heldOutLoss: [number, number][];
  /** [epoch, held-out agreement 0..1]. */
  agreement: [number, number][];
  /** Seconds into training at each held-out point (beside `heldOutLoss`). */
  seconds: number[];
  best?: EpochPoint;
}

/** What the chart draws: steps placed on the epoch axis, losses smoothed, the kept epoch. */
export function curveSeries(curve: TrainingCurve, smoothing = 0.6): CurveSeries {
  const perEpoch = curve.totalSteps > 0 ? curve.totalSteps / curve.epochs : 1;
  const smoothed = smooth(curve.steps, smoothing);
  const points = [...curve.epochPoints].sort((a, b) => a.epoch - b.epoch);
  const best = bestEpoch(curve);
  return {
    trainLoss: smoothed.map((y, i) => [(i + 1) / perEpoch, y]),
    heldOutLoss: points.map((p) => [p.epoch, p.heldOutLoss]),
    seconds: points.map((p) => p.seconds),
    agreement: points.flatMap((p) => (p.heldOutAgreement === undefined ? [] : [[p.epoch, p.heldOutAgreement] as [number, number]])),
    best: points.find((p) => p.epoch === best),
  };
}
