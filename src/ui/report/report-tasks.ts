// The HTML report's per-task parts, for models with several outputs or one that is not a classifier
// (docs/criteria.md, "Multi-task models in the studio"): the outputs with their task kinds, a
// validation row per output in its task's measures, and a sensitivity chart per output. Same rules
// as report-html.ts: every string escaped (output names come from the model file), charts as inline
// SVG, no scripts.
import type { TaskKind } from '../../core/score/loss-task';
import { PALETTES } from '../charts/architecture-svg';
import { sensitivityChart, type CurveSeries } from '../charts/sensitivity-svg';
import { escapeXml as esc, toSvgString } from '../charts/svg-tree';
import { TASK_NAMES } from '../task-names';
import { outputMeasures } from '../validation-measures';
import type { ReportInput } from './report-input';

/** One graph output as the report lists it. */
export interface ReportOutputTask {
  name: string;
  kind: TaskKind;
  detected: TaskKind;
  shape: string;
}

/** A sensitivity chart of one output: every group's drop in that output's measure. */
export interface ReportOutputCurves {
  name: string;
  task: TaskKind;
  measure: string;
  series: CurveSeries[];
}

/** Outputs and tasks: a table, with the kind in use and whether it was overridden. */
export function outputTasksSection(r: ReportInput): string {
  if (!r.outputTasks?.length) return '';
  const rows = r.outputTasks.map((o) => `<tr data-output="${esc(o.name)}"><td class="name">${esc(o.name)}</td><td class="name">${esc(o.shape)}</td>` +
    `<td>${esc(TASK_NAMES[o.kind])}</td><td>${o.kind === o.detected ? 'detected' : esc(`set by hand (detected: ${TASK_NAMES[o.detected]})`)}</td></tr>`).join('');
  return `<section id="outputs"><h2>Outputs and tasks</h2>
<p class="note">Each output is scored, validated and, with Taylor or the oracle, kept alive in its own task's terms: a channel important to any task stays.</p>
<table data-testid="report-outputs"><thead><tr><th>output</th><th>shape</th><th>task</th><th>kind</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

/** Validation, one row per output with its task's measures of the pruned model (empty for a single class output). */
export function outputValidationTable(r: ReportInput): string {
  const outputs = r.validation?.report.outputs;
  if (!outputs?.length || (outputs.length === 1 && outputs[0]!.kind === 'class')) return '';
  const rows = outputs.map((o) => `<tr data-output="${esc(o.name)}" data-task="${o.kind}"><td class="name">${esc(o.name)}</td><td>${esc(TASK_NAMES[o.kind])}</td><td>${
    outputMeasures(o).map(([name, value, title]) => `<span title="${esc(title)}">${esc(name)} <b>${esc(value)}</b></span>`).join(' · ')}</td></tr>`).join('');
  return `<h3>Per output (pruned vs the original model)</h3>
<table data-testid="report-output-validation"><thead><tr><th>output</th><th>task</th><th>measures of the pruned model</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** A sensitivity chart per output, in that output's measure (nothing when the run had one output). */
export function outputSensitivityCharts(r: ReportInput): string {
  const perOutput = r.sensitivity?.perOutput;
  if (!perOutput?.length) return '';
  return perOutput.map((o) => {
    const svg = toSvgString(sensitivityChart(o.series, { width: 1100, height: 320, fontSize: 16, palette: PALETTES.light, metric: `${o.name}: ${o.measure}` }));
    return `<figure data-testid="report-sensitivity-output" data-output="${esc(o.name)}">${svg}<figcaption class="note">${
      esc(`Output ${o.name} (${TASK_NAMES[o.task]}): ${o.measure} drop of that output alone, same groups and colours as above.`)}</figcaption></figure>`;
  }).join('\n');
}
