// Sensitivity curves (metric drop against the pruning ratio of one group, one line per group) as an
// SVG tree for the HTML report; the page draws them interactively in charts/line-chart.tsx.
import * as d3 from 'd3';
import type { ChartPalette } from './architecture-svg';
import { el, type SvgNode } from './svg-tree';

export interface CurveSeries {
  id: string;
  label: string;
  /** [ratio, drop] points, ratio ascending. */
  points: [number, number][];
}

/** Line colours, in series order (the report's legend uses the same). */
export function curveColour(i: number): string {
  return d3.schemeTableau10[i % 10]!;
}

/** The curves as an SVG tree. */
export function sensitivityChart(series: readonly CurveSeries[], o: { width: number; height: number; fontSize: number; palette: ChartPalette; metric: string }): SvgNode {
  const { palette: p, fontSize: fs } = o;
  const m = { top: fs * 1.8, right: fs, bottom: fs * 3, left: fs * 4 };
  const w = o.width - m.left - m.right;
  const h = o.height - m.top - m.bottom;
  const ys = series.flatMap((s) => s.points.map((q) => q[1]));
  const x = d3.scaleLinear().domain([0, Math.max(1e-9, d3.max(series, (s) => d3.max(s.points, (q) => q[0])) ?? 1)]).range([0, w]);
  const y = d3.scaleLinear().domain([Math.min(0, d3.min(ys) ?? 0), Math.max(0.05, d3.max(ys) ?? 0)]).nice(5).range([h, 0]);
  const line = d3.line<[number, number]>().x((q) => x(q[0])).y((q) => y(q[1]));
  const fmtY = o.metric === 'kl' ? d3.format('.2f') : d3.format('.0%');
  return el('svg', { width: o.width, height: o.height, viewBox: `0 0 ${o.width} ${o.height}`, role: 'img', 'aria-label': `${o.metric} drop against pruning ratio, ${series.length} groups`, 'font-family': 'system-ui, sans-serif' },
    el('rect', { width: o.width, height: o.height, fill: p.background }),
    el('text', { x: fs * 0.3, y: fs * 1.1, 'font-size': fs, 'font-weight': 600, fill: p.text }, `${o.metric} drop when one group alone is pruned`),
    el('g', { transform: `translate(${m.left},${m.top})` },
      ...y.ticks(5).map((t) => el('g', {},
        el('line', { x1: 0, x2: w, y1: y(t), y2: y(t), stroke: p.grid }),
        el('text', { x: -fs * 0.4, y: y(t), dy: '0.32em', 'text-anchor': 'end', 'font-size': fs * 0.8, fill: p.muted }, fmtY(t)))),
      ...x.ticks(5).map((t) => el('text', { x: x(t), y: h + fs * 1.2, 'text-anchor': 'middle', 'font-size': fs * 0.8, fill: p.muted }, d3.format('.0%')(t))),
      el('line', { x1: 0, x2: w, y1: h, y2: h, stroke: p.muted }),
      el('text', { x: w / 2, y: h + fs * 2.5, 'text-anchor': 'middle', 'font-size': fs * 0.85, fill: p.muted }, 'pruning ratio of the group'),
      ...series.map((s, i) => el('path', { d: line(s.points) ?? '', fill: 'none', stroke: curveColour(i), 'stroke-width': 2 }, el('title', {}, s.label)))));
}
