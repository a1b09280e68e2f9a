// Why this exists: dagre inserts a dummy node per rank an edge crosses, and DenseNet-style
// concats (every earlier feature map feeds every later concat) make tens of thousands of them:
// DenseNet-121 took 48 s to lay out. An edge u→v that is implied by another path (u is an
// ancestor of another input of v) adds no ordering information, so when it is long we leave it
// out of dagre and draw it afterwards as a detour arc beside the graph.
import type { EdgeSummary, Point } from '../protocol';

/** Implied edges spanning more than this many ranks are drawn as detours. */
export const MAX_LAYOUT_SPAN = 3;

export interface EdgeSplit {
  /** Edges dagre routes. */
  layout: EdgeSummary[];
  /** Long implied edges, drawn by detourPoints. */
  detours: EdgeSummary[];
}

/** Splits edges into those to lay out and long implied ones; `order` must be topological. */
export function splitLongImpliedEdges(order: string[], edges: EdgeSummary[], maxSpan = MAX_LAYOUT_SPAN): EdgeSplit {
  const index = new Map(order.map((id, i) => [id, i]));
  const n = order.length;
  const words = (n + 31) >>> 5;
  const ancestors = new Uint32Array(n * words); // row v: bit u set when u reaches v
  const rank = new Int32Array(n);
  const preds: number[][] = Array.from({ length: n }, () => []);
  for (const e of edges) {
    const u = index.get(e.from);
    const v = index.get(e.to);
    if (u !== undefined && v !== undefined && u < v) preds[v]!.push(u);
  }
  for (let v = 0; v < n; v++) {
    const row = v * words;
    for (const u of preds[v]!) {
      rank[v] = Math.max(rank[v]!, rank[u]! + 1);
      const from = u * words;
      for (let w = 0; w < words; w++) ancestors[row + w]! |= ancestors[from + w]!;
      ancestors[row + (u >>> 5)]! |= 1 << (u & 31);
    }
  }
  const reaches = (u: number, w: number): boolean => (ancestors[w * words + (u >>> 5)]! & (1 << (u & 31))) !== 0;

  const layout: EdgeSummary[] = [];
  const detours: EdgeSummary[] = [];
  for (const e of edges) {
    const u = index.get(e.from);
    const v = index.get(e.to);
    if (u === undefined || v === undefined || rank[v]! - rank[u]! <= maxSpan) {
      layout.push(e);
      continue;
    }
    const implied = preds[v]!.some((w) => w !== u && reaches(u, w));
    (implied ? detours : layout).push(e);
  }
  return { layout, detours };
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** An arc from the bottom of `from` to the top of `to`, bowing right in proportion to its length. */
export function detourPoints(from: Box, to: Box): Point[] {
  const start = { x: from.x + from.width / 2 - 8, y: from.y + from.height / 2 };
  const end = { x: to.x + to.width / 2 - 8, y: to.y - to.height / 2 };
  const dy = Math.abs(end.y - start.y);
  const bow = Math.min(400, 30 + dy * 0.12);
  const side = Math.max(start.x, end.x) + bow;
  return [start, { x: side, y: start.y + dy * 0.15 }, { x: side, y: end.y - dy * 0.15 }, end];
}
