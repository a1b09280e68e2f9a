// Validation results: original vs pruned in the model's task's measures, one row per output, and
// for classifiers the per-image predictions with thumbnails and the confusion matrix of the pruned
// model (when the images are labelled).
import { useMemo, useState } from 'react';
import type { ValidationReport } from '../../workers/protocol';
import { TASK_NAMES } from '../task-names';
import type { ValidationImage } from '../store/validation-slice';
import { headlineReference, headlineRows, headlineTask, outputMeasures } from '../validation-measures';
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

/** Original vs pruned table, in the headline task's measures (validation-measures.ts), then cost and recovery. */
export function ResultsTable({ report }: { report: ValidationReport }) {
  const { original, pruned } = report;
  const reference = headlineReference(report);
  return (
    <>
      <table data-testid="validation-results" data-task={headlineTask(report.outputs)}>
        <thead><tr><th /><th>original</th><th>pruned</th></tr></thead>
        <tbody>
          {headlineRows(report).map((r) => (
            <tr key={r.name} data-measure={r.name} {...(r.name === 'Accuracy' ? { 'data-testid': 'accuracy-row' } : {})}>
              <td title={r.title}>{r.name}</td><td>{r.original}</td><td>{r.pruned}</td>
            </tr>
          ))}
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
      {reference && <p className="hint" data-testid="measured-against">{reference}</p>}
    </>
  );
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
