// Validation results: original vs pruned metrics, per-image predictions with thumbnails, and the
// confusion matrix of the pruned model (when the images are labelled).
import { useMemo, useState } from 'react';
import type { OutputMetricsSummary } from '../../core/metrics/dense-metrics';
import type { ValidationReport } from '../../workers/protocol';
import { TASK_NAMES } from '../task-names';
import type { ValidationImage } from '../store/validation-slice';
import { percent } from './panel-format';
import { RECOVERY_NAMES } from './recovery-choice';

// Object URLs per image Blob, made once: the images live as long as the validation set, and a
// WeakMap lets them go with it.
const thumbnails = new WeakMap<Blob, string>();
function thumbnailUrl(blob: Blob): string {
  let url = thumbnails.get(blob);
  if (!url) thumbnails.set(blob, (url = URL.createObjectURL(blob)));
  return url;
}

const className = (names: readonly string[], i: number | undefined): string => (i === undefined || i < 0 ? '—' : names[i] ?? `class ${i}`);

/** Original vs pruned table. */
export function ResultsTable({ report }: { report: ValidationReport }) {
  const { original, pruned } = report;
  return (
    <table data-testid="validation-results">
      <thead><tr><th /><th>original</th><th>pruned</th></tr></thead>
      <tbody>
        <tr data-testid="accuracy-row"><td>Accuracy</td><td>{percent(original.accuracy)}</td><td>{percent(pruned.accuracy)}</td></tr>
        <tr><td title="Share of images where the pruned model predicts the same class as the original">Agreement (top-1)</td><td>100 %</td><td>{percent(pruned.agreement)}</td></tr>
        {pruned.top5Agreement !== undefined && <tr><td>Agreement (top-5)</td><td>100 %</td><td>{percent(pruned.top5Agreement)}</td></tr>}
        <tr><td title="KL divergence of the pruned model's softmax from the original's (nats, mean per image)">KL(original‖pruned)</td><td>0</td><td>{pruned.kl.toFixed(4)}</td></tr>
        <tr><td>Latency / image (median)</td><td>{original.latencyMs.toFixed(2)} ms</td><td>{pruned.latencyMs.toFixed(2)} ms</td></tr>
        <tr><td>Speedup</td><td>1.00×</td><td>{pruned.speedup.toFixed(2)}×</td></tr>
        <tr data-testid="recovery-row">
          <td>Recovery</td><td>—</td>
          <td title={report.recoveryNote}>{RECOVERY_NAMES[report.recovery ?? 'none']}</td>
        </tr>
        {report.compressNote && (
          <tr data-testid="compress-row"><td>Low rank / sparsity</td><td colSpan={2} style={{ textAlign: 'left' }}>{report.compressNote}</td></tr>
        )}
      </tbody>
      {report.recoveryNote && (
        <caption style={{ captionSide: 'bottom', textAlign: 'left', fontSize: '0.85em', paddingTop: '0.3em' }} data-testid="recovery-note">
          Recovery: {report.recoveryNote}
        </caption>
      )}
    </table>
  );
}

const db = (v: number | undefined) => (v === undefined ? '—' : v === Infinity ? '∞ dB' : `${v.toFixed(2)} dB`);

/** The measures of one output's task, as [name, value, explanation]. */
function outputMeasures(o: OutputMetricsSummary): [string, string, string][] {
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
    const against = g.labelledImages ? `${g.labelledImages} of ${g.images} images against label masks, the rest` : 'against';
    return [
      ['pixel accuracy', percent(g.pixelAccuracy), `Per-pixel argmax ${against} the unpruned model's masks`],
      ['mIoU', percent(g.miou), `Mean IoU over ${g.miouClasses} classes, ${against} the unpruned model's masks`],
    ];
  }
  return [['—', 'no measure', 'This output produced no values to compare']];
}

/** Models with several outputs (or a dense/segmentation one): one row per output with the measures of its task (pruned vs original). */
export function OutputsTable({ report }: { report: ValidationReport }) {
  const outputs = report.outputs;
  // One class output is the table above; several outputs, or one of another task, get their rows.
  if (!outputs?.length || (outputs.length === 1 && outputs[0]!.kind === 'class')) return null;
  return (
    <table data-testid="output-results" className="output-results">
      <caption style={{ captionSide: 'top', textAlign: 'left' }}>Per output (pruned vs the original model)</caption>
      <thead><tr><th>output (task)</th><th>measures of the pruned model</th></tr></thead>
      <tbody>
        {outputs.map((o) => (
          <tr key={o.name} data-testid={`output-row-${o.name}`} data-task={o.kind}>
            <td><b>{o.name}</b><br /><span className="muted">{TASK_NAMES[o.kind]}</span></td>
            <td>
              {outputMeasures(o).map(([name, value, title]) => (
                <span key={name} className="measure" title={title} data-measure={name}>{name} <b>{value}</b></span>
              ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Thumbnails with original → pruned class; images where they differ come first and are outlined. */
export function Predictions({ report, images, classNames }: { report: ValidationReport; images: readonly ValidationImage[]; classNames: readonly string[] }) {
  const [showAll, setShowAll] = useState(false);
  const byName = useMemo(() => new Map(images.map((img) => [img.name, img])), [images]);
  const rows = useMemo(() => [...report.perImage].sort((a, b) => Number(b.original !== b.pruned) - Number(a.original !== a.pruned)), [report]);
  const shown = showAll ? rows : rows.slice(0, 48);
  const changed = rows.filter((r) => r.original !== r.pruned).length;
  return (
    <div>
      <h4>Per-image predictions ({changed} of {rows.length} changed)</h4>
      <div className="predictions" data-testid="predictions">
        {shown.map((r) => (
          <figure key={r.name} className={`prediction${r.original !== r.pruned ? ' changed' : ''}`} title={r.name}>
            {byName.get(r.name) && <img src={thumbnailUrl(byName.get(r.name)!.blob)} alt={r.name} />}
            <figcaption>
              {r.label !== undefined && <div>true: {className(classNames, r.label)}</div>}
              <div>orig: {className(classNames, r.original)}</div>
              <div>pruned: {className(classNames, r.pruned)}</div>
            </figcaption>
          </figure>
        ))}
      </div>
      {rows.length > shown.length && <button type="button" onClick={() => setShowAll(true)}>Show all {rows.length}</button>}
    </div>
  );
}

/** Confusion matrix of the pruned model against the labels (rows: true class, columns: predicted). */
export function ConfusionMatrix({ report, classNames }: { report: ValidationReport; classNames: readonly string[] }) {
  const labelled = report.perImage.filter((r) => r.label !== undefined);
  if (labelled.length === 0) return null;
  const k = Math.max(classNames.length, ...labelled.map((r) => Math.max(r.label!, r.pruned) + 1));
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (const r of labelled) if (r.pruned >= 0) m[r.label!]![r.pruned]!++;
  const max = Math.max(1, ...m.flat());
  return (
    <div>
      <h4>Confusion matrix, pruned model (rows: true class, columns: predicted)</h4>
      <div className="confusion-box">
      <table className="confusion" data-testid="confusion-matrix">
        <thead><tr><th />{m.map((_, j) => <th key={j} title={className(classNames, j)}>{j}</th>)}</tr></thead>
        <tbody>
          {m.map((row, i) => (
            <tr key={i}>
              <th style={{ textAlign: 'left' }} title={className(classNames, i)}>{i} {className(classNames, i).slice(0, 11)}</th>
              {row.map((v, j) => (
                <td key={j} style={{ background: v ? `rgba(${i === j ? '29,95,214' : '180,35,24'},${0.15 + 0.85 * (v / max)})` : undefined, color: v / max > 0.5 ? '#fff' : undefined }}>{v || ''}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      </div>
    </div>
  );
}
