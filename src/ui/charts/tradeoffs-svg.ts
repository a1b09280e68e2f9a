// The Trade-offs chart as an SVG tree (./svg-tree.ts): on top, accuracy (or agreement) against the
// share of MACs kept, one line and marker shape per series, the Pareto front drawn as a wide band
// under its points and the unpruned model as a dashed line; below, the latency per image measured
// during the same validations, on the same x axis. The page (interactive: points are buttons that
// load their plan) and the HTML report draw this same tree.
import * as d3 from 'd3';
import type { ChartPalette } from './architecture-svg';
import { el, type SvgNode } from './svg-tree';
import { metricOf, paretoFront, pointDescription, sweepMetric, type SweepResult } from './tradeoffs-data';

export interface TradeoffsChartOptions {
  width: number;
  height: number;
  fontSize: number;
  palette: ChartPalette;
  /** On the page: points are buttons (roving tabindex on `focusIndex`), `selected` is marked. */
  interactive?: boolean;
  focusIndex?: number;
  /** Index into result.points of the point whose plan is loaded. */
  selected?: number;
  title?: string;
}

/** Series colours (Tableau 10, as the sensitivity lines) and marker shapes (told apart without colour). */
export function seriesColour(i: number): string {
  return d3.schemeTableau10[i % 10]!;
}
const SHAPES = [d3.symbolCircle, d3.symbolSquare, d3.symbolTriangle, d3.symbolDiamond, d3.symbolStar, d3.symbolWye, d3.symbolCross];

const textWidth = (text: string, fontSize: number) => text.length * fontSize * 0.56;
const pct = (digits: number) => (v: number) => `${(v * 100).toFixed(digits)} %`;

/** The chart of `result` as an SVG tree. */
export function tradeoffsChart(result: SweepResult, o: TradeoffsChartOptions): SvgNode {
  const { palette: p, fontSize: fs } = o;
  const small = fs * 0.85;
  const points = result.points;
  const metric = sweepMetric(points);
  const front = new Set(paretoFront(points.map((q) => ({ x: q.macsKept, y: metricOf(q, metric) }))));
  const baseMetric = metric === 'accuracy' ? result.baseline?.accuracy : result.measure?.base ?? 1;
  // A segmentation or dense model plots its own task's measure (mIoU, cosine similarity), named so.
  const metricName = result.measure?.name ?? metric;
  const seriesIndex = new Map(result.series.map((s, i) => [s.id, i]));
  const titleH = o.title ? fs * 1.9 : 0;

  // Legend: one entry per series, then the front and the unpruned model; rows as the width needs.
  const legendItems: { label: string; kind: 'series' | 'front' | 'base'; i: number }[] = [
    ...result.series.map((s, i) => ({ label: s.label, kind: 'series' as const, i })),
    { label: 'Pareto front', kind: 'front', i: -1 }, { label: 'unpruned model', kind: 'base', i: -1 },
  ];
  const places: { x: number; row: number }[] = [];
  for (let i = 0, x0 = 0, row = 0; i < legendItems.length; i++) {
    const w = fs * 2.6 + textWidth(legendItems[i]!.label, small);
    if (x0 > 0 && x0 + w > o.width - fs) { x0 = 0; row++; }
    places.push({ x: x0, row });
    x0 += w;
  }
  const legendH = fs * 1.6 * ((places.at(-1)?.row ?? 0) + 1) + fs * 0.3;

  const left = textWidth('100.0 %', small) + fs * 1.4;
  const right = fs * 1.2;
  const innerW = Math.max(20, o.width - left - right);
  const bottom = fs * 3.2;
  const gap = fs * 2.8;
  const plotTop = titleH + legendH + fs * 1.8;
  const plotH = Math.max(80, o.height - plotTop - gap - bottom);
  const topH = plotH * 0.62;
  const latH = plotH - topH;
  const latTop = plotTop + topH + gap;

  // Before the first point (the frame is drawn as the sweep starts) the axis spans the targets asked for.
  const xs = points.length ? points.map((q) => q.macsKept) : result.targets.map((t) => t / 100);
  const x = d3.scaleLinear().domain([Math.max(0, Math.floor(((d3.min(xs) ?? 0.3) - 0.05) * 10) / 10), 1]).range([0, innerW]);
  const ys = [...points.map((q) => metricOf(q, metric)), ...(baseMetric !== undefined ? [baseMetric] : [])];
  const yLo = Math.max(0, (d3.min(ys) ?? 0) - 0.05);
  const y = d3.scaleLinear().domain([yLo, Math.min(1, Math.max(yLo + 0.05, (d3.max(ys) ?? 1) + 0.02))]).nice(5).range([topH, 0]);
  const lats = [...points.map((q) => q.latencyMs), ...(result.baseline ? [result.baseline.latencyMs] : [])];
  const yLat = d3.scaleLinear().domain([0, Math.max(1e-3, d3.max(lats) ?? 1)]).nice(3).range([latH, 0]);
  const X = (v: number) => left + x(v);
  const font = { 'font-family': "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif" };

  const panel = (scale: d3.ScaleLinear<number, number>, top: number, h: number, ticks: number, fmt: (v: number) => string, heading: string) =>
    el('g', { 'aria-hidden': 'true' },
      el('text', { x: fs * 0.3, y: top - fs * 0.7, 'font-size': fs, 'font-weight': 600, fill: p.text }, heading),
      ...scale.ticks(ticks).map((t) => el('g', {},
        el('line', { x1: left, x2: left + innerW, y1: top + scale(t), y2: top + scale(t), stroke: p.grid, 'stroke-width': 1 }),
        el('text', { x: left - fs * 0.4, y: top + scale(t), dy: '0.32em', 'text-anchor': 'end', 'font-size': small, fill: p.muted }, fmt(t)))),
      ...x.ticks(6).map((t) => el('line', { x1: X(t), x2: X(t), y1: top, y2: top + h, stroke: p.grid, 'stroke-width': 1, 'stroke-dasharray': '2 4' })),
      el('line', { x1: left, x2: left + innerW, y1: top + h, y2: top + h, stroke: p.muted, 'stroke-width': 1 }));

  const bySeries = result.series.map((s) => points.map((q, i) => ({ q, i })).filter(({ q }) => q.series === s.id).sort((a, b) => a.q.macsKept - b.q.macsKept));
  const line = (scale: d3.ScaleLinear<number, number>, top: number, value: (i: number) => number) =>
    d3.line<{ i: number }>().x(({ i }) => X(points[i]!.macsKept)).y(({ i }) => top + scale(value(i)));
  const metricLine = line(y, plotTop, (i) => metricOf(points[i]!, metric));
  const latLine = line(yLat, latTop, (i) => points[i]!.latencyMs);
  const frontPath = metricLine([...front].map((i) => ({ i })).sort((a, b) => points[a.i]!.macsKept - points[b.i]!.macsKept)) ?? '';
  const marker = (si: number, size: number) => d3.symbol(SHAPES[si % SHAPES.length]!, size)() ?? '';
  const r = fs * 0.5;

  const baseline = baseMetric !== undefined && el('g', { 'aria-hidden': 'true' },
    el('line', { x1: left, x2: left + innerW, y1: plotTop + y(baseMetric), y2: plotTop + y(baseMetric), stroke: p.text, 'stroke-width': 1.5, 'stroke-dasharray': '6 5', 'stroke-opacity': 0.7 }),
    el('text', { x: left + innerW - fs * 0.3, y: plotTop + y(baseMetric) - fs * 0.45, 'text-anchor': 'end', 'font-size': small, fill: p.text }, `unpruned ${pct(1)(baseMetric)}`));
  const latBaseline = result.baseline && el('g', { 'aria-hidden': 'true' },
    el('line', { x1: left, x2: left + innerW, y1: latTop + yLat(result.baseline.latencyMs), y2: latTop + yLat(result.baseline.latencyMs), stroke: p.text, 'stroke-width': 1.5, 'stroke-dasharray': '6 5', 'stroke-opacity': 0.7 }));

  const pointNodes = points.map((q, i) => {
    const si = seriesIndex.get(q.series) ?? 0;
    const s = result.series[si];
    const on = o.selected === i;
    const cx = X(q.macsKept);
    const cy = plotTop + y(metricOf(q, metric));
    const description = pointDescription(q, s?.label ?? q.series, metric, front.has(i), result.measure);
    const attrs = o.interactive
      ? { role: 'button', tabindex: i === (o.focusIndex ?? 0) ? 0 : -1, 'aria-label': description, 'aria-pressed': on ? 'true' : 'false', 'data-point': i, class: 'tradeoff-point' }
      : { 'data-point': i };
    return el('g', attrs,
      !o.interactive && el('title', {}, description),
      // A generous transparent target: points are easy to hit on a touch screen or projector.
      el('circle', { cx, cy, r: r * 2, fill: 'transparent' }),
      front.has(i) && el('circle', { cx, cy, r: r * 1.55, fill: 'none', stroke: p.select, 'stroke-width': 2.5 }),
      on && el('circle', { cx, cy, r: r * 2, fill: 'none', stroke: p.text, 'stroke-width': 2.5 }),
      el('path', { d: marker(si, (r * 2) ** 2 * 0.9), transform: `translate(${cx},${cy})`, fill: seriesColour(si), stroke: p.background, 'stroke-width': 1.5, 'fill-opacity': q.met ? 1 : 0.45 }));
  });
  // Latency markers sit outside the points' buttons, so a button is just its point (its centre is the point).
  const latencyMarkers = el('g', { 'aria-hidden': 'true' }, ...points.map((q) => {
    const si = seriesIndex.get(q.series) ?? 0;
    return el('path', { d: marker(si, (r * 1.5) ** 2 * 0.9), transform: `translate(${X(q.macsKept)},${latTop + yLat(q.latencyMs)})`, fill: seriesColour(si), stroke: p.background, 'stroke-width': 1 });
  }));

  const legend = el('g', { transform: `translate(${fs * 0.4},${titleH + fs * 0.3})`, 'aria-hidden': 'true' },
    ...legendItems.map((item, i) => el('g', { transform: `translate(${places[i]!.x},${places[i]!.row * fs * 1.6})` },
      item.kind === 'series' && el('g', {},
        el('line', { x1: 0, x2: fs * 1.6, y1: fs * 0.55, y2: fs * 0.55, stroke: seriesColour(item.i), 'stroke-width': 2.5 }),
        el('path', { d: marker(item.i, fs * fs * 0.55), transform: `translate(${fs * 0.8},${fs * 0.55})`, fill: seriesColour(item.i) })),
      item.kind === 'front' && el('line', { x1: 0, x2: fs * 1.6, y1: fs * 0.55, y2: fs * 0.55, stroke: p.select, 'stroke-width': fs * 0.6, 'stroke-opacity': 0.3, 'stroke-linecap': 'round' }),
      item.kind === 'base' && el('line', { x1: 0, x2: fs * 1.6, y1: fs * 0.55, y2: fs * 0.55, stroke: p.text, 'stroke-width': 1.5, 'stroke-dasharray': '6 5' }),
      el('text', { x: fs * 2, y: fs * 0.55, dy: '0.35em', 'font-size': small, fill: p.text }, item.label))));

  const summary = points.length
    ? `Trade-offs: ${metricName} against MACs kept, ${points.length} points in ${result.series.length} series, ${front.size} on the Pareto front; latency per image below`
    : `Trade-offs: no point yet, ${result.total} to validate in ${result.series.length} series`;
  return el('svg', {
    width: o.width, height: o.height, viewBox: `0 0 ${o.width} ${o.height}`, ...font,
    role: o.interactive ? 'group' : 'img', 'aria-label': summary, class: 'tradeoffs-svg',
  },
  !o.interactive && el('title', {}, o.title ?? summary),
  el('rect', { width: o.width, height: o.height, fill: p.background }),
  o.title && el('text', { x: fs * 0.4, y: fs * 1.25, 'font-size': fs * 1.15, 'font-weight': 700, fill: p.text }, o.title),
  legend,
  panel(y, plotTop, topH, 5, pct(0), !points.length ? 'Accuracy, or agreement on unlabelled images (higher is better)'
    : result.measure ? `${result.measure.axis} (higher is better)`
      : metric === 'accuracy' ? 'Accuracy (higher is better)' : 'Agreement with the unpruned model (higher is better)'),
  panel(yLat, latTop, latH, 3, (v) => `${d3.format('.2~f')(v)} ms`, 'Latency per image (median, lower is better)'),
  baseline, latBaseline,
  el('path', { d: frontPath, fill: 'none', stroke: p.select, 'stroke-width': fs * 0.75, 'stroke-opacity': 0.25, 'stroke-linecap': 'round', 'stroke-linejoin': 'round', 'aria-hidden': 'true' }),
  ...bySeries.map((list, si) => el('g', { 'aria-hidden': 'true' },
    el('path', { d: metricLine(list) ?? '', fill: 'none', stroke: seriesColour(si), 'stroke-width': 2.5 }),
    el('path', { d: latLine(list) ?? '', fill: 'none', stroke: seriesColour(si), 'stroke-width': 2 }))),
  latencyMarkers,
  ...pointNodes,
  !points.length && el('text', { x: left + innerW / 2, y: plotTop + topH / 2, 'text-anchor': 'middle', 'font-size': fs, fill: p.muted, 'aria-hidden': 'true' },
    'Each point appears here once validated'),
  el('g', { 'aria-hidden': 'true' },
    ...x.ticks(6).map((t) => el('text', { x: X(t), y: latTop + latH + small * 1.3, 'text-anchor': 'middle', 'font-size': small, fill: p.muted }, pct(0)(t))),
    el('text', { x: left + innerW / 2, y: o.height - fs * 0.5, 'text-anchor': 'middle', 'font-size': small, fill: p.muted }, 'MACs kept (share of the unpruned model’s MACs)')));
}
