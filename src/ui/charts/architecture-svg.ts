// The "pruned architecture" figure of pruning papers, as an SVG tree (./svg-tree.ts): layers in
// graph order on x; on top the output channels per layer (solid: kept, hatched: removed by the
// plan); below the MACs per layer (solid: after, light: before). d3 does the scales, ticks and
// number formats; nothing here touches the DOM, so the same drawing goes on the page, into the
// PNG/SVG downloads and into the HTML report.
import * as d3 from 'd3';
import { compact } from '../panels/panel-format';
import { shortLayerName, type ArchitectureData, type ArchitectureLayer } from './architecture-data';
import { el, type SvgNode } from './svg-tree';

export interface ChartPalette {
  background: string;
  text: string;
  muted: string;
  grid: string;
  kept: string;
  removed: string;
  barrier: string;
  macsAfter: string;
  macsBefore: string;
  select: string;
}

/** The app's light and dark theme colours (ui/styles/theme.css); blue/orange stay apart for colour-blind readers. */
export const PALETTES: Record<'light' | 'dark', ChartPalette> = {
  light: { background: '#ffffff', text: '#16202c', muted: '#566373', grid: '#dfe4ea', kept: '#1d5fd6', removed: '#b9cdf3', barrier: '#8a96a6', macsAfter: '#d4660a', macsBefore: '#f6d2b2', select: '#e11d74' },
  dark: { background: '#171e27', text: '#e8edf3', muted: '#9aa7b6', grid: '#2c3846', kept: '#5b9bff', removed: '#2b4468', barrier: '#6b7a8c', macsAfter: '#f39a4a', macsBefore: '#5a3a22', select: '#ff5fa2' },
};

export interface ArchitectureChartOptions {
  width: number;
  height: number;
  /** Base font size in px (the app's text size, larger for projectors). */
  fontSize: number;
  palette: ChartPalette;
  /** Prefix of the ids in <defs> (several charts on one page must not share them). */
  idPrefix: string;
  /** The group selected in the studio: its layers are highlighted. */
  selectedGroup?: string;
  /** On the page: layers are buttons (roving tabindex on `focusIndex`), tooltips are the page's. */
  interactive?: boolean;
  focusIndex?: number;
  /** A heading inside the figure (downloads and the report). */
  title?: string;
  /** An .svg file of its own (carries the SVG namespace; inline in HTML it needs none). */
  standalone?: boolean;
}

/** What a layer's tooltip and accessible name say. */
export function layerDescription(l: ArchitectureLayer): string {
  const channels = l.channelsBefore === undefined ? 'channels not tracked'
    : l.channelsAfter !== l.channelsBefore ? `${l.channelsBefore} → ${l.channelsAfter} channels` : `${l.channelsBefore} channels`;
  const macs = l.macsBefore === undefined ? 'MACs unknown' : l.macsAfter !== l.macsBefore ? `${compact(l.macsBefore)} → ${compact(l.macsAfter)} MACs` : `${compact(l.macsBefore)} MACs`;
  const barrier = l.barrier ? `, barrier: ${l.barrier}` : '';
  return `Layer ${l.index}, ${l.opType} ${l.name}: ${channels}, ${macs}${barrier}`;
}

/** Rough text width (no DOM to measure in): system sans at ~0.56 em per character. */
const textWidth = (text: string, fontSize: number) => text.length * fontSize * 0.56;

const MAX_LABEL = 18;
const clip = (s: string) => (s.length > MAX_LABEL ? `…${s.slice(-(MAX_LABEL - 1))}` : s);

/** The chart as an SVG tree. */
export function architectureChart(data: ArchitectureData, o: ArchitectureChartOptions): SvgNode {
  const { palette: p, fontSize: fs } = o;
  const layers = data.layers;
  const small = fs * 0.85;
  const titleH = o.title ? fs * 1.8 : 0;
  // Legend items flow into as many rows as the width needs.
  const legendItems: [string, string, string?][] = [
    ['kept channels', p.kept], ['removed by the plan', `url(#${o.idPrefix}-hatch)`, p.kept], ['barrier (not prunable)', p.barrier],
    ['MACs after', p.macsAfter], ['MACs before', p.macsBefore],
  ];
  const legendPlaces: { x: number; row: number }[] = [];
  for (let i = 0, x0 = 0, row = 0; i < legendItems.length; i++) {
    const w = fs * 2.3 + textWidth(legendItems[i]![0], small);
    if (x0 > 0 && x0 + w > o.width - fs) { x0 = 0; row++; }
    legendPlaces.push({ x: x0, row });
    x0 += w;
  }
  const legendRows = (legendPlaces.at(-1)?.row ?? 0) + 1;
  const legendH = fs * 1.5 * legendRows + fs * 0.4;
  const macsMax = d3.max(layers, (l) => Math.max(l.macsBefore ?? 0, l.macsAfter ?? 0)) ?? 0;
  const channelsMax = d3.max(layers, (l) => l.channelsBefore ?? 0) ?? 0;
  const yTicksText = [compact(macsMax), String(channelsMax)];
  const left = Math.max(...yTicksText.map((t) => textWidth(t, small))) + fs * 1.2;
  const right = fs * 0.8;
  const innerW = Math.max(20, o.width - left - right);
  const x = d3.scaleBand<number>().domain(layers.map((l) => l.index)).range([0, innerW]).paddingInner(0.22).paddingOuter(0.1);
  const band = x.bandwidth();
  // Names under the bars when they fit (rotated); otherwise every k-th layer number.
  const labels = layers.map((l) => clip(shortLayerName(l.name, l.opType)));
  const named = band >= small * 1.25 && layers.length <= 48;
  const labelH = named ? Math.min(textWidth(labels.reduce((a, b) => (a.length > b.length ? a : b), ''), small), fs * 9) * 0.72 + fs : fs * 1.4;
  const bottom = labelH + fs * 1.8;
  const panelGap = fs * 2.4;
  const plotH = Math.max(60, o.height - titleH - legendH - bottom - panelGap - fs * 1.6);
  const chH = plotH * 0.56;
  const macH = plotH - chH;
  const chTop = titleH + legendH + fs * 1.6;
  const macTop = chTop + chH + panelGap;
  const yCh = d3.scaleLinear().domain([0, Math.max(1, channelsMax)]).nice(4).range([chH, 0]);
  const yMac = d3.scaleLinear().domain([0, Math.max(1, macsMax)]).nice(4).range([macH, 0]);
  const hatch = `${o.idPrefix}-hatch`;
  const font = { 'font-family': "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif" };

  const axis = (y: d3.ScaleLinear<number, number>, top: number, h: number, fmt: (v: number) => string, heading: string) =>
    el('g', { transform: `translate(${left},${top})` },
      el('text', { x: -left + fs * 0.2, y: -fs * 0.6, 'font-size': fs, 'font-weight': 600, fill: p.text }, heading),
      ...y.ticks(4).map((t) => el('g', {},
        el('line', { x1: 0, x2: innerW, y1: y(t), y2: y(t), stroke: p.grid, 'stroke-width': 1 }),
        el('text', { x: -fs * 0.4, y: y(t), dy: '0.32em', 'text-anchor': 'end', 'font-size': small, fill: p.muted }, fmt(t)))),
      el('line', { x1: 0, x2: innerW, y1: h, y2: h, stroke: p.muted, 'stroke-width': 1 }));

  const selected = (l: ArchitectureLayer) => !!o.selectedGroup && l.group === o.selectedGroup;
  // Layer names/numbers sit outside the layers' buttons: rotated, they would reach under the neighbours.
  const ticks: (SvgNode | false)[] = [];
  const columns = layers.map((l, i) => {
    const x0 = left + x(l.index)!;
    const on = selected(l);
    const kept = l.prunable ? p.kept : p.barrier;
    const chBars = l.channelsBefore === undefined ? [] : [
      el('rect', { x: x0, y: chTop + yCh(l.channelsAfter ?? 0), width: band, height: chH - yCh(l.channelsAfter ?? 0), fill: kept }),
      (l.channelsAfter ?? 0) < l.channelsBefore && el('rect', {
        x: x0, y: chTop + yCh(l.channelsBefore), width: band, height: yCh(l.channelsAfter ?? 0) - yCh(l.channelsBefore), fill: `url(#${hatch})`, stroke: p.kept, 'stroke-width': 1,
      }),
    ];
    const macBars = [
      l.macsBefore !== undefined && el('rect', { x: x0, y: macTop + yMac(l.macsBefore), width: band, height: macH - yMac(l.macsBefore), fill: p.macsBefore }),
      l.macsAfter !== undefined && el('rect', { x: x0, y: macTop + yMac(l.macsAfter), width: band, height: macH - yMac(l.macsAfter), fill: p.macsAfter }),
    ];
    const valueLabel = band >= small * 3.2 && l.channelsBefore !== undefined && el('text', {
      x: x0 + band / 2, y: chTop + yCh(l.channelsBefore) - small * 0.35, 'text-anchor': 'middle', 'font-size': small, fill: p.text,
    }, l.channelsAfter !== l.channelsBefore ? `${l.channelsAfter}/${l.channelsBefore}` : String(l.channelsBefore));
    const tickY = macTop + macH + small * 1.1;
    const tick = named
      ? el('text', { transform: `translate(${x0 + band / 2},${tickY - small * 0.3}) rotate(-40)`, 'text-anchor': 'end', 'font-size': small, fill: on ? p.select : p.muted, 'font-weight': on ? 700 : 400 }, labels[i]!)
      : (l.index === 1 || l.index % Math.max(1, Math.ceil((small * 2.4) / band)) === 0) &&
        el('text', { x: x0 + band / 2, y: tickY, 'text-anchor': 'middle', 'font-size': small, fill: on ? p.select : p.muted }, String(l.index));
    ticks.push(tick);
    const description = layerDescription(l);
    const interactive = o.interactive
      ? { role: 'button', tabindex: i === (o.focusIndex ?? 0) ? 0 : -1, 'aria-label': description, 'aria-pressed': on ? 'true' : 'false', 'data-layer': l.index, 'data-group': l.group, class: 'arch-layer' }
      : { 'data-layer': l.index };
    return el('g', interactive,
      !o.interactive && el('title', {}, description),
      el('rect', { x: x0 - (x.step() - band) / 2, y: chTop - fs * 0.2, width: x.step(), height: macTop + macH - chTop + fs * 0.4, fill: on ? p.select : 'transparent', 'fill-opacity': on ? 0.14 : 0 }),
      ...chBars, ...macBars, valueLabel,
      on && el('rect', { x: x0 - 1.5, y: chTop + yCh(l.channelsBefore ?? 0) - 1.5, width: band + 3, height: chH - yCh(l.channelsBefore ?? 0) + 3, fill: 'none', stroke: p.select, 'stroke-width': 2.5 }));
  });

  const legend = el('g', { transform: `translate(${fs * 0.4},${titleH + fs * 0.3})`, 'aria-hidden': 'true' },
    ...legendItems.map(([label, fill, stroke], i) => el('g', { transform: `translate(${legendPlaces[i]!.x},${legendPlaces[i]!.row * fs * 1.5})` },
      el('rect', { width: fs, height: fs, rx: 2, fill, stroke: stroke ?? 'none', 'stroke-width': 1 }),
      el('text', { x: fs * 1.35, y: fs * 0.5, dy: '0.35em', 'font-size': small, fill: p.text }, label))));

  const summary = `Pruned architecture: ${layers.length} layers; output channels ${data.totals.channelsBefore} → ${data.totals.channelsAfter}; MACs ${compact(data.totals.macsBefore)} → ${compact(data.totals.macsAfter)}`;
  return el('svg', {
    xmlns: o.standalone ? 'http://www.w3.org/2000/svg' : undefined, width: o.width, height: o.height, viewBox: `0 0 ${o.width} ${o.height}`, ...font,
    role: o.interactive ? 'group' : 'img', 'aria-label': summary, class: 'architecture-svg',
  },
  !o.interactive && el('title', {}, o.title ?? summary),
  el('defs', {}, el('pattern', { id: hatch, width: 7, height: 7, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' },
    el('rect', { width: 7, height: 7, fill: p.removed }),
    el('line', { x1: 0, y1: 0, x2: 0, y2: 7, stroke: p.kept, 'stroke-width': 2, 'stroke-opacity': 0.55 }))),
  el('rect', { width: o.width, height: o.height, fill: p.background }),
  o.title && el('text', { x: fs * 0.4, y: fs * 1.2, 'font-size': fs * 1.15, 'font-weight': 700, fill: p.text }, o.title),
  legend,
  axis(yCh, chTop, chH, (v) => d3.format('~s')(v), 'Output channels per layer'),
  axis(yMac, macTop, macH, (v) => compact(v), 'MACs per layer'),
  ...columns,
  el('g', { 'aria-hidden': 'true' }, ...ticks),
  el('text', { x: left + innerW / 2, y: o.height - fs * 0.5, 'text-anchor': 'middle', 'font-size': small, fill: p.muted },
    // Short enough for the side panel's 300 px: the longer wording ran off its right edge.
    named ? 'layers in graph order' : 'layer no. (hover a bar for its name)'));
}
