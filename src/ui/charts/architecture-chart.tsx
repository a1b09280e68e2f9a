// The architecture chart on the page: the SVG tree of ./architecture-svg.ts as React elements,
// with a tooltip (name and numbers) on hover and focus, and the layers as one keyboard stop
// (arrow keys, Home/End move; Enter/Space or a click selects the layer's group — the selection
// the graph, Heatmaps and Ratios share).
import { useMemo, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import { resolvedTheme } from '../hooks/use-theme';
import { change, compact } from '../panels/panel-format';
import { useStudio } from '../store/store';
import type { ArchitectureData, ArchitectureLayer } from './architecture-data';
import { architectureChart, PALETTES } from './architecture-svg';
import { toReact } from './svg-react';
import { useWidth } from './use-width';

export interface ArchitectureChartProps {
  data: ArchitectureData;
  height: number;
  fontSize: number;
  /** Unique per chart on the page (pattern ids). */
  idPrefix: string;
  /** Fixed width (the enlarged view); default: the container's. */
  width?: number;
}

interface Tip {
  layer: ArchitectureLayer;
  x: number;
  y: number;
}

function TipBox({ tip, groupLabel }: { tip: Tip; groupLabel?: string }) {
  const l = tip.layer;
  return (
    <div className="arch-tooltip" role="tooltip" style={{ left: tip.x, top: tip.y }}>
      <div className="arch-tooltip-name">{l.index}. {l.name}</div>
      <div>{l.opType}{groupLabel && groupLabel !== l.name ? ` · group ${groupLabel}` : ''}</div>
      <div>
        channels: {l.channelsBefore === undefined ? 'not tracked' : `${l.channelsBefore} → ${l.channelsAfter}`}
        {l.channelsBefore !== undefined && l.channelsAfter !== l.channelsBefore ? ` (${change(l.channelsBefore, l.channelsAfter)})` : ''}
      </div>
      <div>MACs: {compact(l.macsBefore)} → {compact(l.macsAfter)}{l.macsAfter !== l.macsBefore ? ` (${change(l.macsBefore, l.macsAfter)})` : ''}</div>
      {l.barrier && <div className="arch-tooltip-barrier">barrier: {l.barrier}</div>}
    </div>
  );
}

/** The interactive chart. */
export function ArchitectureChart({ data, height, fontSize, idPrefix, width: fixedWidth }: ArchitectureChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const measured = useWidth(box);
  const width = fixedWidth ?? measured;
  const selectedGroup = useStudio((s) => s.selectedGroupId);
  const groups = useStudio((s) => s.groups);
  const theme = resolvedTheme(useStudio((s) => s.theme));
  const [focus, setFocus] = useState<number>();
  const [tip, setTip] = useState<Tip>();
  const selectedIndex = data.layers.findIndex((l) => !!selectedGroup && l.group === selectedGroup);
  const focusIndex = Math.min(data.layers.length - 1, focus ?? Math.max(0, selectedIndex));

  const tree = useMemo(() => (width > 0 ? architectureChart(data, {
    width, height, fontSize, palette: PALETTES[theme], idPrefix, selectedGroup, interactive: true, focusIndex,
  }) : undefined), [data, width, height, fontSize, theme, idPrefix, selectedGroup, focusIndex]);

  const layerAt = (target: EventTarget): { layer: ArchitectureLayer; el: Element } | undefined => {
    const el = (target as Element).closest?.('[data-layer]');
    const layer = el ? data.layers[Number(el.getAttribute('data-layer')) - 1] : undefined;
    return el && layer ? { layer, el } : undefined;
  };
  const showTip = (layer: ArchitectureLayer, el: Element, pointer?: { x: number; y: number }): void => {
    const host = box.current?.getBoundingClientRect();
    if (!host) return;
    const r = el.getBoundingClientRect();
    const x = (pointer?.x ?? r.left + r.width / 2) - host.left;
    setTip({ layer, x: Math.min(Math.max(8, x + 14), host.width - 250), y: (pointer?.y ?? r.top + r.height * 0.25) - host.top + 14 });
  };
  const select = (layer: ArchitectureLayer): void => {
    if (layer.group) useStudio.getState().selectGroup(layer.group);
  };
  const onKeyDown = (e: KeyboardEvent): void => {
    const hit = layerAt(e.target);
    if (!hit) return;
    const i = hit.layer.index - 1;
    const next = { ArrowRight: i + 1, ArrowDown: i + 1, ArrowLeft: i - 1, ArrowUp: i - 1, Home: 0, End: data.layers.length - 1 }[e.key];
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      select(hit.layer);
    } else if (next !== undefined) {
      e.preventDefault();
      const target = Math.min(data.layers.length - 1, Math.max(0, next));
      setFocus(target);
      box.current?.querySelector<SVGElement>(`[data-layer="${target + 1}"]`)?.focus();
    }
  };
  const onMouseMove = (e: MouseEvent): void => {
    const hit = layerAt(e.target);
    if (hit) showTip(hit.layer, hit.el, { x: e.clientX, y: e.clientY });
    else setTip(undefined);
  };

  return (
    <div ref={box} className="architecture-chart" data-testid="architecture-chart" style={{ height, width: fixedWidth }}
      onClick={(e) => { const hit = layerAt(e.target); if (hit) { setFocus(hit.layer.index - 1); select(hit.layer); } }}
      onKeyDown={onKeyDown} onMouseMove={onMouseMove} onMouseLeave={() => setTip(undefined)}
      onFocus={(e) => { const hit = layerAt(e.target); if (hit) showTip(hit.layer, hit.el); }}
      onBlur={() => setTip(undefined)}>
      {tree && toReact(tree)}
      {tip && <TipBox tip={tip} groupLabel={groups?.find((g) => g.id === tip.layer.group)?.label} />}
    </div>
  );
}
