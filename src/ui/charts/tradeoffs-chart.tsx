// The Trade-offs chart on the page: the SVG tree of ./tradeoffs-svg.ts as React elements, with a
// tooltip on hover and focus. The points are one keyboard stop (arrow keys move in MACs order,
// Home/End jump); Enter/Space or a click loads the point's plan into the studio.
import { useMemo, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import { resolvedTheme } from '../hooks/use-theme';
import { useStudio } from '../store/store';
import { PALETTES } from './architecture-svg';
import { toReact } from './svg-react';
import type { SweepResult } from './tradeoffs-data';
import { tradeoffsChart } from './tradeoffs-svg';
import { useWidth } from './use-width';

export interface TradeoffsChartProps {
  result: SweepResult;
  height: number;
  fontSize: number;
  onLoad(index: number): void;
}

/** The interactive chart. */
export function TradeoffsChart({ result, height, fontSize, onLoad }: TradeoffsChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const width = useWidth(box);
  const selected = useStudio((s) => s.sweepSelected);
  const theme = resolvedTheme(useStudio((s) => s.theme));
  const [focus, setFocus] = useState<number>();
  const [tip, setTip] = useState<{ text: string; x: number; y: number }>();
  // Arrow keys walk the points left to right (MACs kept), whatever series they belong to.
  const byX = useMemo(() => result.points.map((p, i) => ({ p, i })).sort((a, b) => a.p.macsKept - b.p.macsKept || a.i - b.i).map(({ i }) => i), [result.points]);
  const focusIndex = Math.min(result.points.length - 1, focus ?? selected ?? byX[0] ?? 0);

  const tree = useMemo(() => (width > 0 ? tradeoffsChart(result, {
    width, height, fontSize, palette: PALETTES[theme], interactive: true, focusIndex, selected,
  }) : undefined), [result, width, height, fontSize, theme, focusIndex, selected]);

  const pointAt = (target: EventTarget): { index: number; el: Element } | undefined => {
    const el = (target as Element).closest?.('[data-point]');
    return el ? { index: Number(el.getAttribute('data-point')), el } : undefined;
  };
  const showTip = (el: Element): void => {
    const host = box.current?.getBoundingClientRect();
    if (!host) return;
    const r = el.getBoundingClientRect();
    const x = r.left + r.width / 2 - host.left;
    setTip({ text: el.getAttribute('aria-label') ?? '', x: Math.min(Math.max(8, x + 16), host.width - 280), y: r.top - host.top + r.height + 6 });
  };
  const load = (index: number): void => {
    setFocus(index);
    onLoad(index);
  };
  const onKeyDown = (e: KeyboardEvent): void => {
    const hit = pointAt(e.target);
    if (!hit) return;
    const at = byX.indexOf(hit.index);
    const step = { ArrowRight: at + 1, ArrowUp: at + 1, ArrowLeft: at - 1, ArrowDown: at - 1, Home: 0, End: byX.length - 1 }[e.key];
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      load(hit.index);
    } else if (step !== undefined) {
      e.preventDefault();
      const next = byX[Math.min(byX.length - 1, Math.max(0, step))]!;
      setFocus(next);
      // The roving tabindex moves with the next render; focus the element once it is there.
      requestAnimationFrame(() => box.current?.querySelector<SVGElement>(`[data-point="${next}"]`)?.focus());
    }
  };
  const onMouseMove = (e: MouseEvent): void => {
    const hit = pointAt(e.target);
    if (hit) showTip(hit.el);
    else setTip(undefined);
  };

  return (
    <div ref={box} className="tradeoffs-chart" data-testid="tradeoffs-chart" style={{ height }}
      onClick={(e) => { const hit = pointAt(e.target); if (hit) load(hit.index); }}
      onKeyDown={onKeyDown} onMouseMove={onMouseMove} onMouseLeave={() => setTip(undefined)}
      onFocus={(e) => { const hit = pointAt(e.target); if (hit) showTip(hit.el); }}
      onBlur={() => setTip(undefined)}>
      {tree && toReact(tree)}
      {tip && <div className="tradeoffs-tooltip" role="tooltip" style={{ left: tip.x, top: tip.y }}>{tip.text}<br /><em>Click or Enter: load this plan</em></div>}
    </div>
  );
}
