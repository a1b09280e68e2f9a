// How much worse a pruned model's output is than the unpruned model's, in the terms of the output's
// task (loss-task.ts), so that one number per task can be compared with that task's budget (PAGCP):
//   class         the chosen metric's drop: accuracy (labelled images), agreement or KL
//   segmentation  the drop of per-pixel agreement with the unpruned masks (KL per image for "kl")
//   dense         1 − R² of the output against the unpruned output: its squared error relative to
//                 the unpruned output's own variance (0 = identical, 1 = no better than its mean)
import type { TaskKind } from './loss-task.js';
import { compareOutputs, metricDrop, type MetricName } from './metric.js';
import type { ImageBatch } from './images.js';
import type { Float32Tensor } from './runner.js';

type Outputs = readonly Record<string, Float32Tensor>[];

/** The unit a task's drop is measured in, for reports. */
export function taskDropMeasure(task: TaskKind, metric: MetricName): string {
  if (task === 'dense') return '1 − R²';
  if (task === 'segmentation') return metric === 'kl' ? 'kl' : 'pixel agreement';
  return metric;
}

/** The drop of `output` from the reference to `outs` (positive = worse; 0 for the reference itself). */
export function taskDrop(task: TaskKind, metric: MetricName, outs: Outputs, reference: Outputs, batches: readonly ImageBatch[], output: string): number {
  if (task === 'dense') return unexplainedVariance(outs, reference, output);
  const m: MetricName = task === 'segmentation' && metric === 'accuracy' ? 'agreement' : metric;
  const base = compareOutputs(reference, reference, batches, output);
  return metricDrop(m, base, compareOutputs(outs, reference, batches, output));
}

/** Σ(out − ref)² / Σ(ref − mean ref)² over every value of every batch (1 − R²). */
function unexplainedVariance(outs: Outputs, reference: Outputs, output: string): number {
  let sum = 0;
  let count = 0;
  for (const r of reference) for (const v of r[output]!.data) {
    sum += v;
    count++;
  }
  const mean = count ? sum / count : 0;
  let error = 0;
  let spread = 0;
  outs.forEach((o, bi) => {
    const [got, ref] = [o[output]!.data, reference[bi]![output]!.data];
    for (let i = 0; i < got.length; i++) {
      error += (got[i]! - ref[i]!) ** 2;
      spread += (ref[i]! - mean) ** 2;
    }
  });
  return spread > 0 ? error / spread : error > 0 ? Infinity : 0;
}
