// Zoomed-out drawing of big graphs on a canvas: at that scale labels are hidden anyway, and
// 600 SVG boxes plus 1,000 edge paths cost a 170 ms main-thread task per render (DenseNet-121).
// d3-zoom still runs on the SVG above; this layer only paints. Colours come from the CSS tokens.
import type { ZoomTransform } from 'd3';
import { useEffect, useRef } from 'react';
import type { LayoutEdge, LayoutNode } from '../../workers/protocol';
import { useStudio } from '../store/store';
import type { Size } from './zoom-math';
import { prepareCanvas } from '../charts/canvas-utils';

interface Props {
  nodes: LayoutNode[];
  edges: LayoutEdge[];
  transform: ZoomTransform;
  view: Size;
  selectedBox?: string;
  matches: ReadonlySet<string>;
  groupBoxes: ReadonlySet<string>;
  /** Fill per box in a value colour mode (others get the no-value fill); undefined: op-family colours. */
  colours?: ReadonlyMap<string, string>;
  /** Stroke width per tensor in graph units (channels after the plan). */
  edgeWidths?: ReadonlyMap<string, number>;
}

/** Groups items by a key, keeping first-seen order (one canvas path per colour or width). */
function bucket<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/** Paints boxes and edges under transform `transform`; repaints on every change. */
export function CanvasLayer({ nodes, edges, transform, view, selectedBox, matches, groupBoxes, colours, edgeWidths }: Props) {
  const ref = useRef<HTMLCanvasElement>(null);
  const theme = useStudio((s) => s.theme);
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas && prepareCanvas(canvas, view.width, view.height);
    if (!canvas || !ctx) return;
    ctx.translate(transform.x, transform.y);
    ctx.scale(transform.k, transform.k);
    const css = getComputedStyle(canvas);
    const token = (name: string): string => css.getPropertyValue(name).trim();

    ctx.strokeStyle = token('--edge');
    // Widths in graph units, at least one screen pixel; rounded so edges share a few paths.
    const widthOf = (e: LayoutEdge): number => Math.max(1 / transform.k, Math.round((edgeWidths?.get(e.tensor) ?? 1) * 2) / 2);
    for (const list of bucket(edges, (e) => String(widthOf(e))).values()) {
      ctx.lineWidth = widthOf(list[0]!);
      ctx.beginPath();
      for (const e of list) {
        const [first, ...rest] = e.points;
        if (!first) continue;
        ctx.moveTo(first.x, first.y);
        for (const p of rest) ctx.lineTo(p.x, p.y);
      }
      ctx.stroke();
    }

    const noValue = token('--surface');
    const familyFill = new Map<string, string>();
    const fillOf = (n: LayoutNode): string => {
      if (colours) return colours.get(n.id) ?? noValue;
      let f = familyFill.get(n.family);
      if (f === undefined) familyFill.set(n.family, (f = token(`--fam-${n.family}`)));
      return f;
    };
    for (const [fill, list] of bucket(nodes, fillOf)) {
      ctx.fillStyle = fill;
      ctx.beginPath();
      for (const n of list) ctx.rect(n.x - n.width / 2, n.y - n.height / 2, n.width, n.height);
      ctx.fill();
    }
    const outline = (n: LayoutNode, color: string, px: number): void => {
      ctx.strokeStyle = color;
      ctx.lineWidth = px / transform.k;
      ctx.strokeRect(n.x - n.width / 2, n.y - n.height / 2, n.width, n.height);
    };
    for (const n of nodes) {
      if (groupBoxes.has(n.id)) outline(n, token('--group'), 4);
      if (matches.has(n.id)) outline(n, token('--match'), 3);
      if (n.id === selectedBox) outline(n, token('--select'), 4);
    }
  }, [nodes, edges, transform, view, selectedBox, matches, groupBoxes, colours, edgeWidths, theme]);
  return <canvas ref={ref} className="graph-canvas" style={{ width: view.width, height: view.height }} aria-hidden="true" data-testid="graph-canvas" />;
}

/** The box under graph point (x, y), if any (canvas mode has no DOM element per box). */
export function hitTest(nodes: LayoutNode[], x: number, y: number, slack = 0): LayoutNode | undefined {
  return nodes.find((n) => Math.abs(x - n.x) <= n.width / 2 + slack && Math.abs(y - n.y) <= n.height / 2 + slack);
}
