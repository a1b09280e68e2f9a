// The "Download report" file: ONE self-contained HTML page (CSS inline, charts inline as SVG, no
// scripts, no external requests — its Content-Security-Policy forbids them too) for sharing a
// pruning decision or handing it out in class. Pure: ReportInput in, markup out. Every string is
// escaped: names come from the model file, which is untrusted input.
import { architectureChart, PALETTES } from '../charts/architecture-svg';
import { curveColour, sensitivityChart } from '../charts/sensitivity-svg';
import { escapeXml as esc, toSvgString } from '../charts/svg-tree';
import { metricOf, paretoFront, sweepMetric } from '../charts/tradeoffs-data';
import { tradeoffsChart } from '../charts/tradeoffs-svg';
import { describeBackend } from '../../runtime/wasm-threads';
import { formatBytes, formatCount } from '../format';
import { bytes, change, compact, percent } from '../panels/panel-format';
import { headlineReference, headlineRows } from '../validation-measures';
import type { ReportInput } from './report-input';
import { outputSensitivityCharts, outputTasksSection, outputValidationTable } from './report-tasks';

const CSS = `
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif; font-size: 17px; line-height: 1.45; color: #16202c; background: #f6f7f9; margin: 0; }
main { max-width: 1180px; margin: 0 auto; padding: 1.5rem 2rem 3rem; background: #fff; }
h1 { font-size: 1.7rem; margin: 0 0 0.2rem; } h3 { font-size: 1.05rem; margin: 1.2rem 0 0.4rem; } h2 { font-size: 1.25rem; margin: 2rem 0 0.6rem; border-bottom: 2px solid #1d5fd6; padding-bottom: 0.2rem; }
.meta, .note { color: #566373; } .note { font-size: 0.9em; }
table { border-collapse: collapse; margin: 0.4rem 0; font-variant-numeric: tabular-nums; }
th, td { padding: 0.25rem 0.7rem; border-bottom: 1px solid #cfd6df; text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; } thead th { background: #eef1f5; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1.2rem; margin: 0; } dt { color: #566373; } dd { margin: 0; overflow-wrap: anywhere; }
.name { font-family: ui-monospace, Menlo, Consolas, 'DejaVu Sans Mono', monospace; font-size: 0.88em; overflow-wrap: anywhere; }
td.name, th.name { text-align: left; } .change { color: #1d5fd6; font-weight: 600; } .barrier { color: #566373; }
figure { margin: 0.6rem 0; } figure svg { max-width: 100%; height: auto; border: 1px solid #cfd6df; border-radius: 6px; }
.legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 0.2rem 1rem; font-size: 0.85em; }
.swatch { display: inline-block; width: 0.9em; height: 0.9em; border-radius: 2px; margin-right: 0.3em; vertical-align: -0.1em; }
@media print { body { background: #fff; } main { padding: 0; } h2 { break-after: avoid; } figure, table { break-inside: avoid; } }
`;

type Row = [string, string];

const dl = (rows: Row[]) => `<dl>${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join('')}</dl>`;
const cardAccuracy = (acc: unknown): string | undefined =>
  typeof acc === 'number' ? (acc <= 1 ? percent(acc) : `${acc} %`) : typeof acc === 'string' ? acc : undefined;

function modelSection(r: ReportInput): string {
  const m = r.model;
  const c = r.card;
  const rows: (Row | false)[] = [
    ['Name', esc(c?.title ?? m.graphName ?? m.fileName)],
    ['File', `<span class="name">${esc(m.fileName)}</span> (${esc(formatBytes(m.fileBytes))})`],
    ['Producer', esc(m.producer || '—')],
    ['IR version / opsets', `${m.irVersion} / ${esc(m.opsets)}`],
    ['Parameters', esc(formatCount(m.params))],
    ['MACs / sample', `${m.macsLowerBound ? '≥ ' : ''}${esc(formatCount(m.macs))}`],
    ['Inputs', `<span class="name">${esc(m.inputs)}</span>`],
    ['Outputs', `<span class="name">${esc(m.outputs)}</span>`],
    !!c?.architecture && ['Architecture', esc(String(c.architecture))],
    !!(c?.data ?? c?.dataset) && ['Data', esc(String(c!.data ?? c!.dataset))],
    cardAccuracy(c?.testAccuracy ?? c?.accuracy) !== undefined && ['Test accuracy (card)', esc(cardAccuracy(c!.testAccuracy ?? c!.accuracy)!)],
  ];
  return `<section id="model"><h2>Model</h2>${dl(rows.filter((x): x is Row => !!x))}</section>`;
}

function planSection(r: ReportInput): string {
  const p = r.plan;
  const pruned = p.groups.filter((g) => g.prunable);
  const barriers = p.groups.filter((g) => !g.prunable);
  const row = (g: ReportInput['plan']['groups'][number]) =>
    `<tr${g.prunable ? '' : ' class="barrier"'}><td class="name">${esc(g.label)}</td><td>${g.prunable ? `${Math.round(g.ratio * 100)} %` : '—'}</td>` +
    `<td>${g.kept} / ${g.total}</td><td>${g.prunable ? '' : esc(`barrier: ${g.reason ?? 'not prunable'}`)}</td></tr>`;
  return `<section id="plan"><h2>Plan</h2>${dl([
    ['Criterion', esc(p.criterion)], ['Allocation', esc(p.allocation)], ['Round channels to', String(p.roundTo)], ['Recovery', esc(p.recovery)],
  ])}
<table data-testid="report-groups"><thead><tr><th>group</th><th>ratio</th><th>kept / total channels</th><th></th></tr></thead>
<tbody>${[...pruned, ...barriers].map(row).join('')}</tbody></table></section>`;
}

function costSection(r: ReportInput): string {
  const { before, after } = r.cost;
  const rows: [string, number | undefined, number | undefined, (n: number | undefined) => string][] = [
    ['Parameters', before.params, after.params, compact], ['MACs / image', before.macs, after.macs, compact], ['Weights', before.bytes, after.bytes, bytes],
  ];
  return `<section id="cost"><h2>Cost</h2><table data-testid="report-cost"><thead><tr><th></th><th>before</th><th>after</th><th>change</th></tr></thead><tbody>${
    rows.map(([k, b, a, f]) => `<tr><td>${k}</td><td>${esc(f(b))}</td><td>${esc(f(a))}</td><td class="change">${esc(change(b, a))}</td></tr>`).join('')
  }</tbody></table></section>`;
}

function architectureSection(r: ReportInput): string {
  const a = r.architecture;
  const svg = toSvgString(architectureChart(a, { width: 1100, height: 600, fontSize: 16, palette: PALETTES.light, idPrefix: 'report-arch' }));
  const rows = a.layers.map((l) => `<tr><td>${l.index}</td><td class="name">${esc(l.name)}</td><td>${esc(l.opType)}</td>` +
    `<td>${l.channelsBefore ?? '—'} → ${l.channelsAfter ?? '—'}</td><td>${esc(compact(l.macsBefore))} → ${esc(compact(l.macsAfter))}</td></tr>`).join('');
  return `<section id="architecture"><h2>Pruned architecture</h2>
<figure>${svg}<figcaption class="note">Output channels per layer (solid: kept, hatched: removed) and MACs per layer (dark: after, light: before), layers in graph order.</figcaption></figure>
<table data-testid="report-layers"><thead><tr><th>#</th><th>layer</th><th>op</th><th>channels</th><th>MACs</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function validationSection(r: ReportInput): string {
  const v = r.validation;
  if (!v) return `<section id="validation"><h2>Validation</h2><p class="note">Not validated: run the Validate tab before downloading the report to include accuracy and agreement.</p></section>`;
  const { original, pruned } = v.report;
  // The model's own task's measures (segmentation: pixel accuracy and mIoU, dense: MSE/PSNR/cosine), as the Validate tab shows them.
  const rows: [string, string, string][] = [
    ...headlineRows(v.report).map((m): [string, string, string] => [m.name, m.original, m.pruned]),
    ['Latency / image (median)', `${original.latencyMs.toFixed(2)} ms`, `${pruned.latencyMs.toFixed(2)} ms`],
    ['Speedup', '1.00×', `${pruned.speedup.toFixed(2)}×`],
  ];
  const reference = headlineReference(v.report);
  return `<section id="validation"><h2>Validation</h2>
<p class="note">${esc(`${v.imageCount} images${v.images ? ` (${v.images})` : ''}, backend ${describeBackend(v.report.backend, v.report.threads)}${v.report.recovery && v.report.recovery !== 'none' ? `, recovery ${v.report.recovery}` : ''}; last run of the Validate tab.`)}</p>
<table data-testid="report-validation"><thead><tr><th></th><th>original</th><th>pruned</th></tr></thead><tbody>${
    rows.map(([k, o, p]) => `<tr><td>${esc(k)}</td><td>${esc(o)}</td><td>${esc(p)}</td></tr>`).join('')}</tbody></table>${
    reference ? `<p class="note" data-testid="report-measured-against">${esc(reference)}</p>` : ''}
${outputValidationTable(r)}</section>`;
}

function sensitivitySection(r: ReportInput): string {
  const s = r.sensitivity;
  if (!s) return '';
  const svg = toSvgString(sensitivityChart(s.series, { width: 1100, height: 420, fontSize: 16, palette: PALETTES.light, metric: s.metric }));
  const legend = s.series.map((c, i) => `<li><span class="swatch" style="background:${curveColour(i)}"></span><span class="name">${esc(c.label)}</span></li>`).join('');
  return `<section id="sensitivity"><h2>Sensitivity</h2><p class="note">${esc(`Each group pruned alone at ${s.ratios.map((x) => `${Math.round(x * 100)} %`).join(', ')}${s.recovery === 'lsq' ? ', then refitted by least squares on the same images (curves after least squares)' : ''}; ${s.metric} drop on the validation images. Flat curves can be pruned hard.`)}</p>
<figure>${svg}</figure><ul class="legend">${legend}</ul>
${outputSensitivityCharts(r)}</section>`;
}

function tradeoffsSection(r: ReportInput): string {
  const t = r.tradeoffs;
  if (!t) return '';
  const metric = sweepMetric(t.points);
  const metricName = t.measure?.name ?? metric;
  const front = new Set(paretoFront(t.points.map((p) => ({ x: p.macsKept, y: metricOf(p, metric) }))));
  const svg = toSvgString(tradeoffsChart(t, { width: 1100, height: 640, fontSize: 16, palette: PALETTES.light }));
  const label = (id: string) => t.series.find((s) => s.id === id)?.label ?? id;
  const rows = t.points.map((p, i) => `<tr><td>${esc(label(p.series))}</td><td>${Math.round(p.target * 100)} %</td><td>${esc(percent(p.macsKept))}</td>` +
    `<td>${esc(percent(metricOf(p, metric)))}</td><td>${p.latencyMs.toFixed(2)} ms</td><td>${front.has(i) ? 'yes' : ''}</td></tr>`).join('');
  const status = t.state === 'done' ? '' : ` The sweep was ${t.state === 'cancelled' ? 'cancelled' : 'stopped by an error'} after ${t.points.length} of ${t.total} points.`;
  return `<section id="tradeoffs"><h2>Trade-offs</h2>
<p class="note">${esc(`Each point: the model pruned to keep a share of its MACs, validated on ${t.images} images (backend ${t.backend ?? 'wasm'}, recovery ${t.recovery}); ${t.measure?.axis ?? metric} and median latency per image.${status}`)}</p>
<figure>${svg}</figure>
<table data-testid="report-tradeoffs"><thead><tr><th>series</th><th>target</th><th>MACs kept</th><th>${esc(metricName)}</th><th>latency / image</th><th>Pareto front</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

/** The whole report page. */
export function reportHtml(r: ReportInput): string {
  const title = `Pruning report — ${r.model.fileName}`;
  const headline = `${change(r.cost.before.params, r.cost.after.params)} parameters, ${change(r.cost.before.macs, r.cost.after.macs)} MACs`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body><main>
<h1>${esc(title)}</h1>
<p class="meta">${esc(`${headline} · ${r.plan.allocation} · made with Prune Studio on ${r.generatedAt.replace('T', ' ').slice(0, 16)} UTC`)}</p>
${modelSection(r)}
${outputTasksSection(r)}
${planSection(r)}
${costSection(r)}
${architectureSection(r)}
${validationSection(r)}
${sensitivitySection(r)}
${tradeoffsSection(r)}
</main></body></html>
`;
}
