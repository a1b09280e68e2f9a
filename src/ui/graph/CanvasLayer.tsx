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
}

/** Paints boxes and edges under transform `transform`; repaints on every change. */
export function CanvasLayer({ nodes, edges, transform, view, selectedBox, matches, groupBoxes }: Props) {
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
    ctx.lineWidth = 1 / transform.k;
    ctx.beginPath();
    for (const e of edges) {
      const [first, ...rest] = e.points;
      if (!first) continue;
      ctx.moveTo(first.x, first.y);
      for (const p of rest) ctx.lineTo(p.x, p.y);
    }
    ctx.stroke();

    const byFamily = new Map<string, LayoutNode[]>();
    for (const n of nodes) {
      const list = byFamily.get(n.family) ?? [];
      list.push(n);
      byFamily.set(n.family, list);
    }
    for (const [family, list] of byFamily) {
      ctx.fillStyle = token(`--fam-${family}`);
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
  }, [nodes, edges, transform, view, selectedBox, matches, groupBoxes, theme]);
  return <canvas ref={ref} className="graph-canvas" style={{ width: view.width, height: view.height }} aria-hidden="true" data-testid="graph-canvas" />;
}

/** The box under graph point (x, y), if any (canvas mode has no DOM element per box). */
export function hitTest(nodes: LayoutNode[], x: number, y: number, slack = 0): LayoutNode | undefined {
  return nodes.find((n) => Math.abs(x - n.x) <= n.width / 2 + slack && Math.abs(y - n.y) <= n.height / 2 + slack);
}
