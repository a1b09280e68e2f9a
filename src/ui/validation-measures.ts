// What a validation run says, in each output's task's words, shared by the Validate tab and the HTML
// report (so both say the same thing): a classifier is judged by accuracy and class agreement, a
// segmentation model by pixel accuracy and mIoU (against label masks or the unpruned model's masks,
// said which), a dense model by MSE/PSNR/cosine against the unpruned output. Pure: no DOM, no store.
import type { OutputMetricsSummary } from '../core/metrics/dense-metrics';
import type { TaskKind } from '../core/score/loss-task';
import type { ValidationReport } from '../workers/protocol';
import { percent } from './panels/panel-format';

/** One line of the original-vs-pruned table. */
export interface MeasureRow {
  name: string;
  original: string;
  pruned: string;
  /** What the number means (tooltip in the tab, note in the report). */
  title: string;
}

/**
 * The task a model is judged by as a whole: classification when any output is a class output (the
 * top-1 widgets then mean something), else its first output's task. No outputs known: classification.
 */
export function headlineTask(outputs: readonly { kind: TaskKind }[] | undefined): TaskKind {
  if (!outputs?.length || outputs.some((o) => o.kind === 'class')) return 'class';
  return outputs[0]!.kind;
}

/** The output the headline rows describe: the first one of the headline task. */
/** The parts of a report that say each output's measures (a sweep point's report has no per-image rows). */
type OutputsOf = Pick<ValidationReport, 'outputs' | 'originalOutputs'>;

function headlineOutput(report: OutputsOf): OutputMetricsSummary | undefined {
  const task = headlineTask(report.outputs);
  return report.outputs?.find((o) => o.kind === task);
}

const db = (v: number | undefined) => (v === undefined ? '—' : v === Infinity ? '∞ dB' : `${v.toFixed(2)} dB`);

/** Against what a segmentation output was scored ("label masks of 3 of 5 images, the unpruned model's masks on the rest"). */
export function segmentationReference(g: NonNullable<OutputMetricsSummary['segmentation']>): string {
  if (!g.labelledImages) return "the unpruned model's masks (no label masks given)";
  if (g.labelledImages >= g.images) return `label masks (${g.labelledImages} images)`;
  return `label masks on ${g.labelledImages} of ${g.images} images, the unpruned model's masks on the rest`;
}

/** The measures of one output's task for the pruned model, as [name, value, explanation]. */
export function outputMeasures(o: OutputMetricsSummary): [string, string, string][] {
  if (o.kind === 'class' && o.class) {
    const c = o.class;
    return [
      ...(c.accuracy !== undefined ? [['accuracy', percent(c.accuracy), 'Top-1 accuracy against the labels'] as [string, string, string]] : []),
      ['agreement', percent(c.agreement), 'Share of images where the pruned model predicts the same class as the original'],
      ['KL', c.kl === undefined ? '—' : c.kl.toFixed(4), 'KL(original‖pruned) of the softmax, nats per image'],
    ];
  }
  if (o.kind === 'dense' && o.dense) {
    const d = o.dense;
    return [
      ['MSE', d.mse.toPrecision(3), 'Mean squared error to the original model\'s output'],
      ['PSNR', db(d.psnr), `10·log10(range² / MSE), range ${d.psnrRange.toPrecision(3)} of the original's values`],
      ['cosine', d.cosine.toFixed(4), 'Mean cosine similarity to the original output, per image'],
    ];
  }
  if (o.kind === 'segmentation' && o.segmentation) {
    const g = o.segmentation;
    const against = segmentationReference(g);
    return [
      ['pixel accuracy', percent(g.pixelAccuracy), `Share of pixels whose argmax class matches ${against}`],
      ['mIoU', percent(g.miou), `Mean IoU over ${g.miouClasses} classes, against ${against}`],
    ];
  }
  return [['—', 'no measure', 'This output produced no values to compare']];
}

/** Original-vs-pruned rows of the headline task (latency, speedup and recovery rows are the caller's). */
export function headlineRows(report: ValidationReport): MeasureRow[] {
  const { original, pruned } = report;
  const o = headlineOutput(report);
  if (o?.kind === 'segmentation' && o.segmentation) {
    const g = o.segmentation;
    // Against its own masks the unpruned model is 100 % by definition; against label masks it has its own score.
    const mine = report.originalOutputs?.find((x) => x.name === o.name)?.segmentation;
    const against = segmentationReference(g);
    return [
      { name: 'Pixel accuracy', original: percent(mine?.pixelAccuracy ?? 1), pruned: percent(g.pixelAccuracy), title: `Share of pixels whose argmax class matches ${against}` },
      { name: 'mIoU', original: percent(mine?.miou ?? 1), pruned: percent(g.miou), title: `Mean intersection over union of ${g.miouClasses} classes, against ${against}` },
    ];
  }
  if (o?.kind === 'dense' && o.dense) {
    const d = o.dense;
    return [
      { name: 'MSE', original: '0', pruned: d.mse.toPrecision(3), title: "Mean squared error to the unpruned model's output" },
      { name: 'PSNR', original: '∞ dB', pruned: db(d.psnr), title: `10·log10(range² / MSE), range ${d.psnrRange.toPrecision(3)} of the unpruned model's values` },
      { name: 'Cosine similarity', original: '1.0000', pruned: d.cosine.toFixed(4), title: "Mean cosine similarity to the unpruned model's output, per image" },
    ];
  }
  return [
    { name: 'Accuracy', original: percent(original.accuracy), pruned: percent(pruned.accuracy), title: 'Top-1 accuracy against the images’ class labels' },
    { name: 'Agreement (top-1)', original: '100 %', pruned: percent(pruned.agreement), title: 'Share of images where the pruned model predicts the same class as the original' },
    ...(pruned.top5Agreement !== undefined ? [{ name: 'Agreement (top-5)', original: '100 %', pruned: percent(pruned.top5Agreement), title: 'Share of images whose original top-1 class is in the pruned model’s top 5' }] : []),
    { name: 'KL(original‖pruned)', original: '0', pruned: pruned.kl.toFixed(4), title: "KL divergence of the pruned model's softmax from the original's (nats, mean per image)" },
  ];
}

/** A sentence on what the headline rows were measured against, for tasks where that is not obvious; undefined for classifiers. */
export function headlineReference(report: OutputsOf): string | undefined {
  const o = headlineOutput(report);
  if (o?.kind === 'segmentation' && o.segmentation) {
    const g = o.segmentation;
    const tip = g.labelledImages ? '' : ' Pick NAME.mask.png label masks (8-bit grayscale, value = class, 255 = ignore) with the images to score against labels.';
    return `Segmentation output “${o.name}”: pixel accuracy and mIoU against ${segmentationReference(g)}.${tip}`;
  }
  if (o?.kind === 'dense') return `Dense output “${o.name}”: the pruned model's output against the unpruned model's.`;
  return undefined;
}

/** How the Trade-offs sweep plots a model judged by another task than classification. */
export interface SweepMeasure {
  /** Short name ("mIoU"), for tooltips and the report's column. */
  name: string;
  /** The y-axis title, with what it was measured against. */
  axis: string;
  /** The unpruned model's value (1 against its own output; its own score against label masks). */
  base: number;
}

/**
 * The headline value of a non-class model's validation, for the sweep's y-axis (mIoU for
 * segmentation, cosine similarity for dense outputs: both 1 for the unpruned model, higher is
 * better); undefined for classifiers, which plot accuracy or agreement.
 */
export function sweepMeasureOf(report: OutputsOf): (SweepMeasure & { value: number }) | undefined {
  const o = headlineOutput(report);
  if (o?.kind === 'segmentation' && o.segmentation) {
    const mine = report.originalOutputs?.find((x) => x.name === o.name)?.segmentation;
    return { name: 'mIoU', axis: `mIoU against ${segmentationReference(o.segmentation)}`, base: mine?.miou ?? 1, value: o.segmentation.miou };
  }
  if (o?.kind === 'dense' && o.dense) {
    return { name: 'cosine similarity', axis: "Cosine similarity to the unpruned model's output", base: 1, value: o.dense.cosine };
  }
  return undefined;
}
