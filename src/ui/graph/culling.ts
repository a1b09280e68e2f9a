// Viewport culling: only boxes and edges near the visible part of the graph are rendered. The
// window is the visible rectangle grown by one screen each way, recomputed only when the view
// leaves it, so panning re-renders rarely and opening a 600-node model renders a few dozen boxes.
import type { LayoutEdge, LayoutNode } from '../../workers/protocol';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** `inner` lies entirely inside `outer`. */
export function contains(outer: Rect, inner: Rect): boolean {
  return inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height;
}

/** `r` grown by `factor` of its size on every side. */
export function grow(r: Rect, factor: number): Rect {
  return { x: r.x - r.width * factor, y: r.y - r.height * factor, width: r.width * (1 + 2 * factor), height: r.height * (1 + 2 * factor) };
}

function overlaps(a: Rect, b: Rect): boolean {
  return a.x <= b.x + b.width && b.x <= a.x + a.width && a.y <= b.y + b.height && b.y <= a.y + a.height;
}

/** Bounding box of each edge's route (computed once per layout). */
export function edgeBounds(edges: LayoutEdge[]): Rect[] {
  return edges.map((e) => {
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const p of e.points) {
      x0 = Math.min(x0, p.x); y0 = Math.min(y0, p.y); x1 = Math.max(x1, p.x); y1 = Math.max(y1, p.y);
    }
    return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
  });
}

/** The boxes and edges that overlap `window`; the selected box is always kept (focus). */
export function cull(nodes: LayoutNode[], edges: LayoutEdge[], bounds: Rect[], window: Rect, keepId?: string): { nodes: LayoutNode[]; edges: LayoutEdge[] } {
  return {
    nodes: nodes.filter((n) => n.id === keepId || overlaps(window, { x: n.x - n.width / 2, y: n.y - n.height / 2, width: n.width, height: n.height })),
    edges: edges.filter((_, i) => overlaps(window, bounds[i]!)),
  };
}
